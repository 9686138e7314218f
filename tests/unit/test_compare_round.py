"""The arena's rounds as the Compare screen plays them: blind judging, one vote a round, the round queued ahead."""

import pytest

from dgx_pixels_tui.compare_round import Ahead, CompareRounds, Next, RoundPlan, plan_from_form, unfinished_jobs
from dgx_pixels_worker.protocol import JobState
from dgx_pixels_worker.protocol import messages as m

MODELS = ("procedural", "procedural-pico8")
PLAN = RoundPlan("red knight", MODELS, ("hero",))


def panel(index, model, **fields):
    return m.ComparisonPanel(panel=index, model=model, **fields)


def done(index, model):
    return panel(index, model, job_id=f"j{index}", image_id=f"j{index}-0", state=JobState.COMPLETED)


def rendering(index, model):
    return panel(index, model, job_id=f"j{index}", state=JobState.RUNNING)


def comparison(comparison_id="c1", *panels, seed=7):
    panels = panels or (done(0, MODELS[0]), done(1, MODELS[1]))
    state = JobState.COMPLETED if all(p.state is JobState.COMPLETED for p in panels) else JobState.RUNNING
    return m.ComparisonInfo(
        id=comparison_id,
        state=state,
        prompt="red knight",
        negative="",
        seed=seed,
        tags=["hero"],
        user="ada",
        created_at=0.0,
        panels=list(panels),
    )


def job(job_id, **fields):
    values = {
        "id": job_id,
        "state": JobState.RUNNING,
        "prompt": "red knight",
        "negative": "",
        "model": "procedural",
        "seed": 7,
        "count": 1,
        "width": 64,
        "height": 64,
        "steps": 8,
        "cfg": 0.0,
        "priority": 0,
        "tags": [],
        "client": "c",
        "user": "ada",
        "created_at": 0.0,
    }
    return m.JobInfo(**{**values, **fields})


def vote_reply(shown, outcome="win", winner=1):
    vote = m.VoteInfo(
        id=1,
        comparison_id=shown.id,
        prompt=shown.prompt,
        seed=shown.seed,
        tags=shown.tags,
        presets=[p.model for p in shown.panels],
        outcome=outcome,
        winner=winner,
        user="ada",
        created_at=0.0,
    )
    changes = [
        m.ScoreChange(model=MODELS[0], before=1500.0, after=1492.0),
        m.ScoreChange(model=MODELS[1], before=None, after=1516.0),
    ]
    return m.VoteReply(vote=vote, comparison=shown.model_copy(update={"votes": 1}), changes=changes)


def captions(rounds, jobs=None):
    return [text for _, text in rounds.captions(jobs or {})]


def shown(*panels):
    rounds = CompareRounds()
    rounds.replan(PLAN)
    rounds.show(comparison("c1", *panels))
    return rounds


# ------------------------------------------------------------ the form


def test_the_form_gives_the_plan_and_the_seed():
    assert plan_from_form("  red knight ", list(MODELS), " 42 ", " hero, item ,,") == (
        RoundPlan("red knight", MODELS, ("hero", "item")),
        42,
    )
    assert plan_from_form("red knight", list(MODELS), "", "")[1] is None  # a random seed


@pytest.mark.parametrize(
    ("prompt", "models", "seed", "says"),
    [
        ("  ", list(MODELS), "", "type a prompt first"),
        ("knight", ["procedural"], "", "tick 2 to 4 models with space (1 ticked)"),
        ("knight", ["a", "b", "c", "d", "e"], "", "(5 ticked)"),
        ("knight", list(MODELS), "-3", "the seed is a whole number from 0, not '-3'"),
    ],
)
def test_the_form_says_what_to_fix(prompt, models, seed, says):
    with pytest.raises(ValueError) as refused:
        plan_from_form(prompt, models, seed, "")
    assert says in str(refused.value)


# ------------------------------------------------------------ blind judging


def test_nothing_to_show_before_the_first_round():
    rounds = CompareRounds()
    assert rounds.captions({}) == []
    assert rounds.status_line() == "Type a prompt, tick 2–4 models (space), press enter."
    assert rounds.next_round() is Next.NO_PLAN
    assert rounds.refusal("win", 0) == (
        "nothing to judge yet: type a prompt and press enter, or o for the rounds waiting for your vote"
    )


def test_captions_are_blind_until_the_names_are_asked_for():
    rounds = shown()
    assert captions(rounds) == ["Panel 1 · done", "Panel 2 · done"]
    rounds.toggle_names()
    assert captions(rounds) == ["Panel 1 · procedural · done", "Panel 2 · procedural-pico8 · done"]
    assert rounds.status_line().endswith("· names shown (h hides)")
    rounds.toggle_names()
    assert captions(rounds) == ["Panel 1 · done", "Panel 2 · done"]
    assert "names shown" not in rounds.status_line()


def test_captions_follow_each_panels_job_live():
    rounds = shown(rendering(0, MODELS[0]), panel(1, MODELS[1], job_id="j1"))
    jobs = {"j0": job("j0", progress=0.45, step=3, total=8), "j1": job("j1", state=JobState.QUEUED)}
    assert captions(rounds, jobs) == ["Panel 1 · 45% step 3/8", "Panel 2 · queued"]
    assert rounds.status_line() == "c1 · seed 7 · rendering… (s skips) · no round queued ahead"


# ------------------------------------------------------------ votes


def test_a_vote_before_every_image_is_there_is_refused_but_a_skip_is_taken():
    rounds = shown(done(0, MODELS[0]), rendering(1, MODELS[1]))
    assert rounds.refusal("win", 0) == "wait for every panel to have its image, then vote (s skips)"
    assert rounds.refusal("tie") == "wait for every panel to have its image, then vote (s skips)"
    assert rounds.refusal("skip") is None


def test_a_round_with_a_failed_panel_can_only_be_skipped():
    rounds = shown(done(0, MODELS[0]), panel(1, MODELS[1], job_id="j1", state=JobState.FAILED))
    assert rounds.refusal("win", 0) == "a panel failed: s skips this round, n moves on"
    assert "panel 2 failed: s skips, n moves on" in rounds.status_line()
    assert rounds.refusal("skip") is None


def test_a_vote_for_a_panel_the_round_has_not_is_refused():
    assert shown().refusal("win", 3) == "this round has 2 panels; press 1–2"


def test_a_vote_reveals_the_models_with_their_score_change_and_marks_the_winner():
    rounds = shown()
    assert rounds.refusal("win", 1) is None
    comparison_id = rounds.start_vote()
    assert rounds.vote_arrived(comparison_id, vote_reply(rounds.current, winner=1))
    assert rounds.winner == 1 and rounds.current.votes == 1
    assert captions(rounds) == ["Panel 1 · procedural 1500 → 1492 ▼8", "★ Panel 2 · procedural-pico8 new → 1516"]
    assert "voted: panel 2 wins · n next round" in rounds.status_line()


def test_a_tie_reveals_the_models_and_marks_no_winner():
    rounds = shown()
    rounds.vote_arrived(rounds.start_vote(), vote_reply(rounds.current, outcome="tie", winner=None))
    assert rounds.winner is None
    assert not any(caption.startswith("★") for caption in captions(rounds))
    assert "voted: a tie" in rounds.status_line()


def test_a_round_takes_one_vote():
    rounds = shown()
    comparison_id = rounds.start_vote()
    assert rounds.refusal("win", 0) == "this round has its vote; press n for the next"  # on its way
    rounds.vote_failed(comparison_id)  # the worker refused it: the user may try again
    assert rounds.refusal("win", 0) is None
    rounds.vote_arrived(rounds.start_vote(), vote_reply(rounds.current))
    assert rounds.refusal("tie") == "this round has its vote; press n for the next"


def test_a_vote_answered_after_n_is_not_shown_on_the_next_round():
    rounds = shown()
    rounds.queue_ahead()
    rounds.ahead_arrived(PLAN, comparison("c2", seed=8))
    comparison_id = rounds.start_vote()
    assert rounds.next_round() is Next.SHOWN
    assert not rounds.vote_arrived(comparison_id, vote_reply(comparison("c1")))
    assert rounds.current.id == "c2" and rounds.vote is None and rounds.voting is None
    assert captions(rounds) == ["Panel 1 · done", "Panel 2 · done"]


# ------------------------------------------------------------ the round queued ahead


def test_one_round_is_queued_ahead_and_n_shows_it_at_once():
    rounds = shown()
    assert rounds.queue_ahead() == PLAN
    assert rounds.status_line().endswith("queueing the next round…")
    assert rounds.queue_ahead() is None  # one on its way already
    assert rounds.ahead_arrived(PLAN, comparison("c2", seed=8)) is Ahead.KEPT
    assert rounds.status_line().endswith("1 round queued ahead (n)")
    assert rounds.queue_ahead() is None  # one waits already
    rounds.vote_arrived(rounds.start_vote(), vote_reply(rounds.current))
    assert rounds.next_round() is Next.SHOWN
    assert rounds.current.id == "c2" and rounds.current.seed == 8
    assert rounds.vote is None and rounds.ahead is None
    assert captions(rounds) == ["Panel 1 · done", "Panel 2 · done"]  # blind again
    assert rounds.queue_ahead() == PLAN  # and the one after it is queued


def test_n_while_the_round_ahead_is_on_its_way_shows_it_when_it_arrives():
    rounds = shown()
    rounds.queue_ahead()
    assert rounds.next_round() is Next.WAITING
    assert rounds.current.id == "c1"
    assert rounds.ahead_arrived(PLAN, comparison("c2")) is Ahead.ADVANCE
    assert rounds.next_round() is Next.SHOWN and rounds.current.id == "c2"


def test_when_the_round_ahead_is_refused_n_starts_a_new_round():
    rounds = shown()
    rounds.queue_ahead()
    assert rounds.next_round() is Next.WAITING
    rounds.ahead_failed()
    assert rounds.status_line().endswith("no round queued ahead")
    assert rounds.next_round() is Next.START and rounds.plan == PLAN
    assert rounds.queue_ahead() == PLAN  # tried again (after a reconnection, say)


def test_a_new_prompt_hands_back_the_round_queued_ahead_for_the_old_one():
    rounds = shown()
    rounds.queue_ahead()
    rounds.ahead_arrived(PLAN, comparison("c2", rendering(0, MODELS[0]), done(1, MODELS[1])))
    assert rounds.replan(PLAN) is None  # the same prompt and models: the round ahead stays
    other = RoundPlan("blue slime", MODELS, ())
    stale = rounds.replan(other)
    assert stale is not None and stale.id == "c2"
    assert unfinished_jobs(stale) == ["j0"]  # the finished panel's job is left alone
    assert rounds.ahead is None and rounds.plan == other


def test_a_round_ahead_arriving_for_an_old_prompt_is_not_kept():
    rounds = shown()
    planned = rounds.queue_ahead()
    rounds.replan(RoundPlan("blue slime", MODELS, ()))
    assert rounds.ahead_arrived(planned, comparison("c2")) is Ahead.STALE
    assert rounds.ahead is None and not rounds.queueing


# ------------------------------------------------------------ news of the rounds


def test_news_of_a_round_updates_the_round_shown_and_the_one_ahead():
    rounds = shown(done(0, MODELS[0]), rendering(1, MODELS[1]))
    rounds.queue_ahead()
    rounds.ahead_arrived(PLAN, comparison("c2", rendering(0, MODELS[0]), rendering(1, MODELS[1])))
    assert rounds.panel_of_job("j1") == 1 and rounds.panel_of_job("elsewhere") is None
    assert rounds.panel_images() == [(0, "j0-0")]
    assert not rounds.comparison_changed(comparison("c2"))  # the round ahead: nothing to redraw
    assert rounds.ahead.state is JobState.COMPLETED
    assert rounds.comparison_changed(comparison("c1"))  # the round shown: redraw
    assert rounds.panel_images() == [(0, "j0-0"), (1, "j1-0")]
    assert rounds.refusal("win", 0) is None
