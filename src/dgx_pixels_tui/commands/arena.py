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
from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.protocol import messages as m
from dgx_pixels_worker.settings.config import Settings

from ..arguments import check_out_folder, checked_request
from ..connection import EXIT_FAILED, EXIT_OK, CommandError, dump, fail, print_json, run_client
from ..size_text import parse_size
from ..terminal_format import console
from .generate import follow_jobs, free_path, locked, postprocess_to_send, prompt_slug, typed_values

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
        return fail(args, str(exc))
    if not 2 <= len(models) <= 4:
        return fail(
            args, f"--models takes 2 to 4 presets separated by commas, not {len(models)}; see `dgx-pixels models`"
        )
    try:
        post = postprocess_to_send(args.post)
    except ValueError as exc:
        return fail(args, str(exc))
    if not args.prompt.strip():
        return fail(args, "the prompt is empty; describe the sprite, e.g. 'fire sword'")
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
    params = {k: v for k, v in params.items() if v is not None}
    checked_request(m.CompareRequest, typed_values(args), prompt=args.prompt, models=models, **params)
    check_out_folder(Path(args.out))

    async def body(client: AsyncClient, settings: Settings) -> int:
        stream = client.events()
        await anext(stream)  # subscribed before submitting: no event of these jobs is missed
        try:
            comparison = await client.compare(args.prompt, models, **locked(params, args.palette, settings))
            print(f"comparison {comparison.id} · seed {comparison.seed}", file=sys.stderr)
            jobs = {p.job_id: await client.job(p.job_id) for p in comparison.panels if p.job_id}
            if jobs:
                await follow_jobs(client, stream, jobs, Console(stderr=True))
        finally:
            await stream.aclose()
        comparison = await client.comparison(comparison.id)
        files = await _save_panels(client, comparison, Path(args.out), args.reveal)
        status = EXIT_OK if comparison.state is m.JobState.COMPLETED else EXIT_FAILED
        if args.json:
            result: dict[str, Any] = {
                "comparison": comparison_json(comparison, args.reveal),
                "files": {str(k + 1): str(v) for k, v in files.items()},
            }
            if status != EXIT_OK:
                result["error"] = {
                    "code": "job_failed",
                    "message": f"comparison {comparison.id} is {comparison.state.value}",
                    "details": {"state": comparison.state.value},
                }
                result["exit"] = status
            print_json(result)
        else:
            print(comparison.id)
            for panel in comparison.panels:
                where = files.get(panel.panel)
                note = " (from the cache)" if panel.cached else ""
                model = f"{panel.model:<24} " if args.reveal else ""
                print(f"panel {panel.panel + 1}  {model}{where or panel.state.value}{note}")
            if not args.reveal:
                print(f"vote: dgx-pixels vote {comparison.id} PANEL (or tie, bad, skip)", file=sys.stderr)
        return status

    return run_client(args, body)


def comparison_json(comparison: m.ComparisonInfo, reveal: bool = True) -> dict[str, Any]:
    """A comparison as the command line prints it: panels counted from 1, as `vote` takes them, and without
    the model of each panel unless revealed (a blind comparison stays blind until the vote)."""
    data: dict[str, Any] = dump(comparison)
    for panel in data["panels"]:
        panel["panel"] += 1
        if not reveal:
            del panel["model"]
    return data


def _panel_file_name(comparison: m.ComparisonInfo, panel: m.ComparisonPanel, reveal: bool) -> str:
    which = panel.model if reveal else f"panel{panel.panel + 1}"
    return f"{prompt_slug(comparison.prompt)}-{comparison.seed}-{which}.png"


async def _save_panels(client: AsyncClient, comparison: m.ComparisonInfo, out: Path, reveal: bool) -> dict[int, Path]:
    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (a one-shot command: nothing else runs on its loop)
    files = {}
    for panel in comparison.panels:
        if panel.image_id is None:
            continue
        reply = await client.image(panel.image_id)
        assert reply.png is not None
        path = free_path(out / _panel_file_name(comparison, panel, reveal))
        path.write_bytes(reply.png)
        files[panel.panel] = path
    return files


def vote(args: argparse.Namespace) -> int:
    choice = args.choice.strip().lower()
    if choice.isdigit():
        outcome, number = "win", int(choice)
    elif choice in VOTE_WORDS:
        outcome, number = VOTE_WORDS[choice], None
    else:
        return fail(args, f"vote for a panel number (1-4), or tie, bad or skip; not {args.choice!r}")

    async def body(client: AsyncClient, settings: Settings) -> int:
        winner = None
        if number is not None:
            panels = len((await client.comparison(args.comparison)).panels)
            if not 1 <= number <= panels:
                raise CommandError(
                    f"panel {number}: this comparison has {panels} panels (1-{panels}); vote for one of them, "
                    "or tie, bad or skip",
                    "invalid",
                    {"field": "winner", "panels": panels},
                )
            winner = number - 1
        try:
            reply = await client.vote(args.comparison, outcome, winner)
        except WorkerError as exc:
            if exc.code == ErrorCode.INVALID and not {"field", "errors"} & set(exc.details):
                # a vote cast already or a comparison not finished: refused because of how things stand
                raise CommandError(exc.message, "invalid", exc.details, EXIT_FAILED) from None
            raise
        if args.json:
            data = dump(reply)
            data["comparison"] = comparison_json(reply.comparison)
            if data["vote"]["winner"] is not None:
                data["vote"]["winner"] += 1
            print_json(data)
            return EXIT_OK
        for panel, change in zip(reply.comparison.panels, reply.changes, strict=False):
            before = "new" if change.before is None else f"{change.before:.0f}"
            marker = " ★" if reply.vote.winner == panel.panel else ""
            print(f"panel {panel.panel + 1}  {panel.model:<24} {before} → {change.after:.0f}{marker}")
        return EXIT_OK

    return run_client(args, body)


def votes_export(args: argparse.Namespace) -> int:
    """Every vote as CSV or JSON lines (`winner` is the panel counted from 1, as `vote` takes it); with --json,
    one JSON object: the votes, or where they were written."""
    if args.out:
        out_path = Path(args.out)
        if out_path.is_dir():
            return fail(args, f"--out {args.out} is a folder; name the file to write, e.g. --out votes.csv")
        check_out_folder(out_path.parent, "--out", args.out)

    async def body(client: AsyncClient, settings: Settings) -> int:
        rows: list[dict[str, Any]] = []
        after = 0
        while True:
            page = await client.votes(after_id=after, limit=5000)
            rows += [_export_row(vote_) for vote_ in page.votes]
            if len(page.votes) < 5000:
                break
            after = page.votes[-1].id
        if args.json and not args.out:
            print_json({"votes": rows, "count": len(rows)})
            return EXIT_OK
        out = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115, ASYNC230 (closed below)
        try:
            if args.format == "csv":
                writer = csv.DictWriter(out, EXPORT_FIELDS)
                writer.writeheader()
                for row in rows:
                    writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()})
            else:
                for row in rows:
                    out.write(json.dumps(row) + "\n")
        finally:
            if out is not sys.stdout:
                out.close()
        if args.json:
            print_json({"file": args.out, "format": args.format, "count": len(rows)})
        elif args.out:
            print(f"{len(rows)} vote(s) written to {args.out}", file=sys.stderr)
        return EXIT_OK

    return run_client(args, body)


def _export_row(vote_: m.VoteInfo) -> dict[str, Any]:
    row = vote_.model_dump(mode="json")
    row["winner"] = vote_.winner + 1 if vote_.winner is not None else None
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
        if board.versus:
            out.print(versus_table(board))
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


def versus_table(board: m.LeaderboardReply) -> Table:
    """Each trained preset against its base: wins, losses, ties, the win rate with its 95% interval, the verdict."""
    from ..training_view import percent

    table = Table(title="Trained presets against their base", title_justify="left")
    for name in ("preset", "base", "W-L-T", "win rate", "95% CI", "verdict"):
        table.add_column(name, justify="right" if name in ("W-L-T", "win rate", "95% CI") else "left")
    for row in board.versus:
        interval = f"{percent(row.ci_low)}–{percent(row.ci_high)}" if row.ci_low is not None else "–"
        verdict = row.verdict if row.games else f"untested: `dgx-pixels train evaluate {row.model}`"
        table.add_row(
            row.model, row.base, f"{row.wins}-{row.losses}-{row.ties}", percent(row.win_rate), interval, verdict
        )
    return table
