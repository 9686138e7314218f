"""`compare`, `vote`, `votes export` and `leaderboard`: the model arena from the shell."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console, JustifyMethod
from rich.table import Table

from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.protocol import messages as m
from dgx_pixels_worker.settings.config import Settings

from ..connection import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE, dump, err, print_json, run_client
from ..size_text import parse_size
from ..terminal_format import console
from .generate import follow_jobs, free_path, postprocess_to_send, prompt_slug

VOTE_WORDS = {"tie": "tie", "bad": "both_bad", "both-bad": "both_bad", "both_bad": "both_bad", "skip": "skip"}
EXPORT_FIELDS = (
    "id",
    "comparison_id",
    "created_at",
    "user",
    "prompt",
    "seed",
    "tags",
    "presets",
    "outcome",
    "winner",
    "winner_preset",
)


def compare(args: argparse.Namespace) -> int:
    models = [name.strip() for name in args.models.split(",") if name.strip()]
    try:
        width, height = parse_size(args.size)
    except ValueError as exc:
        err(str(exc))
        return EXIT_USAGE
    if not 2 <= len(models) <= 4:
        err(f"--models takes 2 to 4 presets separated by commas, not {len(models)}; see `dgx-pixels models`")
        return EXIT_USAGE
    try:
        post = postprocess_to_send(args.post)
    except ValueError as exc:
        err(str(exc))
        return EXIT_USAGE
    params = {
        "negative": args.negative,
        "seed": args.seed,
        "width": width,
        "height": height,
        "steps": args.steps,
        "cfg": args.cfg,
        "tags": [t for t in args.tags.split(",") if t.strip()],
        "use_cache": not args.no_cache,
        "postprocess": post,
    }

    async def body(client: AsyncClient, settings: Settings) -> int:
        stream = client.events()
        await anext(stream)  # subscribed before submitting: no event of these jobs is missed
        try:
            comparison = await client.compare(args.prompt, models, **{k: v for k, v in params.items() if v is not None})
            print(f"comparison {comparison.id} · seed {comparison.seed}", file=sys.stderr)
            jobs = {p.job_id: await client.job(p.job_id) for p in comparison.panels if p.job_id}
            if jobs and await follow_jobs(client, stream, jobs, Console(stderr=True)) is None:
                return EXIT_UNREACHABLE
        finally:
            await stream.aclose()
        comparison = await client.comparison(comparison.id)
        files = await _save_panels(client, comparison, Path(args.out))
        if args.json:
            print_json({"comparison": dump(comparison), "files": {str(k): str(v) for k, v in files.items()}})
        else:
            print(comparison.id)
            for panel in comparison.panels:
                where = files.get(panel.panel)
                note = " (from the cache)" if panel.cached else ""
                print(f"panel {panel.panel + 1}  {panel.model:<24} {where or panel.state.value}{note}")
        return EXIT_OK if comparison.state is m.JobState.COMPLETED else EXIT_FAILED

    return run_client(args, body)


async def _save_panels(client: AsyncClient, comparison: m.ComparisonInfo, out: Path) -> dict[int, Path]:
    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (a one-shot command: nothing else runs on its loop)
    slug = prompt_slug(comparison.prompt)
    files = {}
    for panel in comparison.panels:
        if panel.image_id is None:
            continue
        reply = await client.image(panel.image_id)
        assert reply.png is not None
        path = free_path(out / f"{slug}-{comparison.seed}-{panel.model}.png")
        path.write_bytes(reply.png)
        files[panel.panel] = path
    return files


def vote(args: argparse.Namespace) -> int:
    choice = args.choice.strip().lower()
    if choice.isdigit():
        outcome, winner = "win", int(choice) - 1
    elif choice in VOTE_WORDS:
        outcome, winner = VOTE_WORDS[choice], None
    else:
        err(f"vote for a panel number (1-4), or tie, bad or skip; not {args.choice!r}")
        return EXIT_USAGE

    async def body(client: AsyncClient, settings: Settings) -> int:
        reply = await client.vote(args.comparison, outcome, winner)
        if args.json:
            print_json(dump(reply))
            return EXIT_OK
        for panel, change in zip(reply.comparison.panels, reply.changes, strict=False):
            before = "new" if change.before is None else f"{change.before:.0f}"
            marker = " ★" if reply.vote.winner == panel.panel else ""
            print(f"panel {panel.panel + 1}  {panel.model:<24} {before} → {change.after:.0f}{marker}")
        return EXIT_OK

    return run_client(args, body)


def votes_export(args: argparse.Namespace) -> int:
    async def body(client: AsyncClient, settings: Settings) -> int:
        out = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115, ASYNC230 (closed below)
        try:
            writer = csv.DictWriter(out, EXPORT_FIELDS) if args.format == "csv" else None
            if writer:
                writer.writeheader()
            after, written = 0, 0
            while True:
                page = await client.votes(after_id=after, limit=5000)
                for vote_ in page.votes:
                    row = _export_row(vote_)
                    if writer:
                        writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()})
                    else:
                        out.write(json.dumps(row) + "\n")
                written += len(page.votes)
                if len(page.votes) < 5000:
                    break
                after = page.votes[-1].id
        finally:
            if out is not sys.stdout:
                out.close()
        if args.out:
            print(f"{written} vote(s) written to {args.out}", file=sys.stderr)
        return EXIT_OK

    return run_client(args, body)


def _export_row(vote_: m.VoteInfo) -> dict[str, Any]:
    row = vote_.model_dump(mode="json")
    row["winner_preset"] = vote_.presets[vote_.winner] if vote_.winner is not None else ""
    return {key: row[key] for key in EXPORT_FIELDS}


def leaderboard(args: argparse.Namespace) -> int:
    async def body(client: AsyncClient, settings: Settings) -> int:
        board = await client.leaderboard(tag=args.tag, rounds=args.rounds)
        if args.json:
            print_json(dump(board))
            return EXIT_OK
        out = console()
        out.print(leaderboard_table(board))
        if len(board.rows) > 1:
            out.print(win_rate_table(board))
        if board.tags and not args.tag:
            out.print("tags: " + ", ".join(f"{tag} ({n})" for tag, n in board.tags) + "  (--tag T for one of them)")
        return EXIT_OK

    return run_client(args, body)


def leaderboard_table(board: m.LeaderboardReply) -> Table:
    title = f"Leaderboard{f' · tag {board.tag}' if board.tag else ''} · {board.total_votes} vote(s)"
    table = Table(title=title, title_justify="left")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("#", "right"),
        ("preset", "left"),
        ("score", "right"),
        ("95% CI", "right"),
        ("votes", "right"),
        ("W-L-T", "right"),
        ("both bad", "right"),
    )
    for name, justify in columns:
        table.add_column(name, justify=justify)
    for rank, row in enumerate(board.rows, 1):
        interval = f"{row.ci_low:.0f}–{row.ci_high:.0f}" if row.ci_low is not None and row.ci_high is not None else "–"
        table.add_row(
            str(rank),
            row.preset,
            f"{row.score:.0f}",
            interval,
            str(row.votes),
            f"{row.wins}-{row.losses}-{row.ties}",
            str(row.both_bad),
        )
    return table


def win_rate_table(board: m.LeaderboardReply) -> Table:
    """Row beats column this share of their pairwise games (ties as half)."""
    names = [row.preset for row in board.rows]
    table = Table(title="Win rate (row over column)", title_justify="left")
    table.add_column("")
    for name in names:
        table.add_column(name, justify="right")
    for name in names:
        rates = board.win_rate.get(name, {})
        table.add_row(name, *("" if (rate := rates.get(other)) is None else f"{rate * 100:.0f}%" for other in names))
    return table
