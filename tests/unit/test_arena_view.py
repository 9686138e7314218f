"""What the Compare and Models screens write about comparisons, votes and the leaderboard."""

import pytest

from dgx_pixels_tui import arena_view as view
from dgx_pixels_worker.protocol import JobState
from dgx_pixels_worker.protocol import messages as m


def panel(index=0, model="procedural-pico8", **fields):
    return m.ComparisonPanel(panel=index, model=model, **fields)


def job(state=JobState.RUNNING, **fields):
    values = {
        "id": "j1",
        "state": state,
        "prompt": "knight",
        "negative": "",
        "model": "procedural",
        "seed": 1,
        "count": 1,
        "width": 64,
        "height": 64,
        "steps": 8,
        "cfg": 0.0,
        "priority": 0,
        "tags": [],
        "client": "c",
        "user": "u",
        "created_at": 0.0,
    }
    return m.JobInfo(**{**values, **fields})


def comparison(*panels, state=JobState.COMPLETED):
    return m.ComparisonInfo(
        id="c0ffee",
        state=state,
        prompt="knight",
        negative="",
        seed=7,
        tags=[],
        user="u",
        created_at=0.0,
        panels=list(panels),
    )


@pytest.mark.parametrize(("n", "shape"), [(1, (1, 1)), (2, (1, 2)), (3, (1, 3)), (4, (2, 2)), (9, (2, 2))])
def test_grid_shape_is_a_row_up_to_three_then_two_by_two(n, shape):
    assert view.grid_shape(n) == shape


def test_change_text_shows_before_after_and_the_difference():
    assert view.change_text(m.ScoreChange(model="pico", before=1500.0, after=1523.4)) == "pico 1500 → 1523 ▲23"
    assert view.change_text(m.ScoreChange(model="pico", before=1500.0, after=1488.0)) == "pico 1500 → 1488 ▼12"
    assert view.change_text(m.ScoreChange(model="pico", before=1500.2, after=1499.9)) == "pico 1500 → 1500 ±0"
    assert view.change_text(m.ScoreChange(model="pico", before=None, after=1523.0)) == "pico new → 1523"


def test_a_blind_caption_never_names_the_model():
    running = job(progress=0.45, step=3, total=8)
    assert view.panel_caption(panel(job_id="j1"), running, False, None) == "Panel 1 · 45% step 3/8"
    assert view.panel_caption(panel(1, cached=True, image_id="i", state=JobState.COMPLETED), None, False, None) == (
        "Panel 2 · cached"
    )
    done = panel(2, job_id="j1", image_id="j1-0", state=JobState.COMPLETED)
    assert view.panel_caption(done, job(JobState.COMPLETED), False, None) == "Panel 3 · done"
    assert view.panel_caption(panel(job_id="j1"), job(JobState.QUEUED), False, None) == "Panel 1 · queued"
    for caption in (
        view.panel_caption(panel(job_id="j1"), running, False, None),
        view.panel_caption(done, None, False, None),
    ):
        assert "procedural" not in caption


def test_a_revealed_caption_names_the_model_and_after_a_vote_its_score_change():
    done = panel(1, job_id="j1", image_id="j1-0", state=JobState.COMPLETED)
    assert view.panel_caption(done, None, True, None) == "Panel 2 · procedural-pico8 · done"
    change = m.ScoreChange(model="procedural-pico8", before=1500.0, after=1523.0)
    assert view.panel_caption(done, None, True, change, winner=True) == "★ Panel 2 · procedural-pico8 1500 → 1523 ▲23"
    skipped_early = panel(1, job_id="j1", state=JobState.RUNNING)
    assert view.panel_caption(skipped_early, job(progress=0.5, step=4, total=8), True, change) == (
        "Panel 2 · procedural-pico8 1500 → 1523 ▲23 · 50% step 4/8"
    )


def test_a_failed_panel_says_why():
    failed = job(JobState.FAILED, error=m.ErrorInfo(code="backend_unavailable", message="no server"))
    assert view.panel_caption(panel(job_id="j1", state=JobState.FAILED), failed, False, None) == (
        "Panel 1 · failed: no server"
    )


def test_voting_waits_for_every_image():
    done = panel(0, image_id="a", state=JobState.COMPLETED)
    waiting = panel(1, job_id="j1", state=JobState.RUNNING)
    assert view.ready_to_vote(comparison(done, panel(1, image_id="b", state=JobState.COMPLETED)))
    assert not view.ready_to_vote(comparison(done, waiting, state=JobState.RUNNING))
    assert view.failed_panels(comparison(done, panel(1, job_id="j1", state=JobState.FAILED))) == [2]


def test_the_status_line_says_what_to_do_and_what_waits():
    assert "Type a prompt" in view.status_line(None, None, 0, False)
    ready = comparison(
        panel(0, image_id="a", state=JobState.COMPLETED), panel(1, image_id="b", state=JobState.COMPLETED)
    )
    line = view.status_line(ready, None, 1, False)
    assert line.startswith("c0ffee · seed 7 · vote: 1–2 better panel") and line.endswith("1 round queued ahead (n)")
    vote = m.VoteInfo(
        id=1,
        comparison_id="c0ffee",
        prompt="knight",
        seed=7,
        tags=[],
        presets=["a", "b"],
        outcome="win",
        winner=1,
        user="u",
        created_at=0.0,
    )
    assert "voted: panel 2 wins · n next round" in view.status_line(ready, vote, 0, True)
    assert view.status_line(ready, vote, 0, True).endswith("queueing the next round…")


def test_tags_are_split_on_commas():
    assert view.parse_tags(" hero, item ,,") == ["hero", "item"]
    assert view.parse_tags("") == []


def board(rows, tag=None):
    return m.LeaderboardReply(
        tag=tag,
        total_votes=sum(r.votes for r in rows),
        bootstrap_rounds=200,
        rows=rows,
        win_rate={},
        tags=[("hero", 3)],
    )


def test_leaderboard_rows_and_the_line_under_them():
    row = m.LeaderboardRow(
        preset="procedural-pico8",
        score=1523.4,
        ci_low=1490.2,
        ci_high=1555.8,
        votes=5,
        wins=3,
        losses=1,
        ties=1,
        both_bad=0,
        skips=0,
        games=5,
    )
    assert view.leaderboard_cells(1, row) == ["1", "procedural-pico8", "1523", "1490–1556", "5", "3-1-1", "0"]
    assert view.leaderboard_cells(2, row.model_copy(update={"ci_low": None}))[3] == ""
    assert view.leaderboard_note(board([row])) == "5 vote(s) · all votes · tags: hero (3)"
    assert view.leaderboard_note(board([])) == "no votes yet — press F7 to compare models"
    assert "no votes tagged 'tile'" in view.leaderboard_note(board([], tag="tile"))
