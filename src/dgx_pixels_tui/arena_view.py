"""What the Compare and Models screens write about comparisons, votes and the leaderboard. Plain Python, no Textual."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dgx_pixels_worker.protocol import JobState

if TYPE_CHECKING:
    from dgx_pixels_worker.protocol import messages as m

MAX_PANELS = 4
OUTCOME_TEXT = {"tie": "a tie", "both_bad": "both bad", "skip": "skipped"}


def grid_shape(n: int) -> tuple[int, int]:
    """(rows, columns) for n panels: one row of up to three, a 2x2 grid for four."""
    n = max(1, min(n, MAX_PANELS))
    return (1, n) if n <= 3 else (2, 2)


def change_text(change: m.ScoreChange) -> str:
    """'procedural-pico8 1500 → 1523 ▲23', or 'procedural-pico8 new → 1523' for a model's first game."""
    after = round(change.after)
    if change.before is None:
        return f"{change.model} new → {after}"
    before = round(change.before)
    delta = after - before
    arrow = f"▲{delta}" if delta > 0 else f"▼{-delta}" if delta < 0 else "±0"
    return f"{change.model} {before} → {after} {arrow}"


def progress_text(panel: m.ComparisonPanel, job: m.JobInfo | None) -> str:
    """Where a panel's image is: 'cached', 'done', '45% step 3/8', 'queued', 'failed: why'."""
    if panel.cached:
        return "cached"
    if panel.image_id is not None and panel.state is JobState.COMPLETED:
        return "done"
    state = job.state if job is not None else panel.state
    if state is JobState.RUNNING and job is not None:
        steps = f" step {job.step}/{job.total}" if job.total else ""
        return f"{job.progress * 100:.0f}%{steps}"
    if state in (JobState.FAILED, JobState.CANCELLED):
        reason = job.error.message if job is not None and job.error else ""
        return f"{state.value}: {reason}" if reason else state.value
    if state is JobState.COMPLETED:
        return "done"
    return state.value


def panel_caption(
    panel: m.ComparisonPanel,
    job: m.JobInfo | None,
    revealed: bool,
    change: m.ScoreChange | None,
    *,
    winner: bool = False,
) -> str:
    """'Panel 1 · 45% step 3/8' while blind; the model once revealed; after the vote the model and its score change
    (the image is there by then, so where it came from is left out to keep the caption short)."""
    parts = [f"{'★ ' if winner else ''}Panel {panel.panel + 1}"]
    if change is not None:
        parts.append(change_text(change))
    elif revealed:
        parts.append(panel.model)
    if change is None or panel.image_id is None:
        parts.append(progress_text(panel, job))
    return " · ".join(parts)


def ready_to_vote(comparison: m.ComparisonInfo) -> bool:
    """Whether every panel has its image (the worker refuses any vote but a skip before that)."""
    return all(p.image_id is not None and p.state is JobState.COMPLETED for p in comparison.panels)


def failed_panels(comparison: m.ComparisonInfo) -> list[int]:
    """The 1-based numbers of the panels that will never have an image."""
    return [p.panel + 1 for p in comparison.panels if p.state in (JobState.FAILED, JobState.CANCELLED)]


def vote_text(vote: m.VoteInfo) -> str:
    """'panel 2 wins' or 'a tie', 'both bad', 'skipped'."""
    if vote.outcome == "win" and vote.winner is not None:
        return f"panel {vote.winner + 1} wins"
    return OUTCOME_TEXT.get(vote.outcome, vote.outcome)


def ahead_text(ahead: int, queueing: bool) -> str:
    if ahead:
        return f"{ahead} round queued ahead (n)"
    return "queueing the next round…" if queueing else "no round queued ahead"


def status_line(comparison: m.ComparisonInfo | None, vote: m.VoteInfo | None, ahead: int, queueing: bool) -> str:
    """The line above the panels: which comparison, what to do next, and how many rounds wait."""
    if comparison is None:
        return "Type a prompt, tick 2–4 models (space), press enter."
    head = f"{comparison.id} · seed {comparison.seed}"
    if vote is not None:
        todo = f"voted: {vote_text(vote)} · n next round"
    elif failed_panels(comparison):
        numbers = ", ".join(str(n) for n in failed_panels(comparison))
        todo = f"panel {numbers} failed: s skips, n moves on"
    elif ready_to_vote(comparison):
        todo = f"vote: 1–{len(comparison.panels)} better panel · t tie · b both bad · s skip"
    else:
        todo = "rendering… (s skips)"
    return f"{head} · {todo} · {ahead_text(ahead, queueing)}"


def parse_tags(text: str) -> list[str]:
    """'t1, t2' -> ['t1', 't2']."""
    return [tag.strip() for tag in text.split(",") if tag.strip()]


def interval_text(low: float | None, high: float | None) -> str:
    """The 95% interval as 'lo–hi', or '' when there is none yet."""
    return "" if low is None or high is None else f"{low:.0f}–{high:.0f}"


def leaderboard_cells(rank: int, row: m.LeaderboardRow) -> list[str]:
    """rank, preset, score, 95% CI, votes, W-L-T, both bad."""
    return [
        str(rank),
        row.preset,
        f"{row.score:.0f}",
        interval_text(row.ci_low, row.ci_high),
        str(row.votes),
        f"{row.wins}-{row.losses}-{row.ties}",
        str(row.both_bad),
    ]


def leaderboard_note(board: m.LeaderboardReply) -> str:
    """The line under the leaderboard: how many votes it stands on, or how to get some."""
    if not board.rows or board.total_votes == 0:
        if board.tag:
            return f"no votes tagged {board.tag!r} yet — clear the tag for every vote, or press F7 to compare models"
        return "no votes yet — press F7 to compare models"
    scope = f"tag {board.tag!r}" if board.tag else "all votes"
    tags = ", ".join(f"{tag} ({count})" for tag, count in board.tags[:6])
    return f"{board.total_votes} vote(s) · {scope}" + (f" · tags: {tags}" if tags and not board.tag else "")
