"""A trained preset against its base: wins, losses and ties from the votes that showed both, a 95% Wilson interval,
and a verdict only when the interval leaves one half."""

import pytest

from dgx_pixels_worker.arena.head_to_head import head_to_head, wilson
from dgx_pixels_worker.arena.leaderboard import Vote


def votes(wins: int, losses: int, ties: int = 0) -> list[Vote]:
    return (
        [Vote(("style", "base"), "win", 0)] * wins
        + [Vote(("base", "style"), "win", 0)] * losses
        + [Vote(("style", "base"), "tie")] * ties
    )


def test_no_votes_is_untested():
    row = head_to_head([Vote(("a", "b"), "win", 0)], "style", "base")
    assert (row.games, row.verdict, row.win_rate, row.ci_low) == (0, "untested", None, None)


def test_a_clear_winner_beats_its_base():
    row = head_to_head(votes(18, 2), "style", "base")
    assert (row.wins, row.losses, row.games) == (18, 2, 20)
    assert row.win_rate == pytest.approx(0.9)
    assert 0.5 < row.ci_low < 0.9 < row.ci_high <= 1
    assert row.verdict == "beats"


def test_a_clear_loser_loses_and_a_close_call_is_undecided():
    assert head_to_head(votes(2, 18), "style", "base").verdict == "loses to"
    close = head_to_head(votes(6, 4, 2), "style", "base")
    assert close.win_rate == pytest.approx(7 / 12) and close.verdict == "undecided"


def test_a_third_panel_winning_counts_for_neither():
    row = head_to_head([Vote(("style", "base", "other"), "win", 2)], "style", "base")
    assert row.games == 0


def test_the_wilson_interval_matches_its_formula():
    low, high = wilson(0.5, 10)
    assert low == pytest.approx(0.2366, abs=1e-3) and high == pytest.approx(0.7634, abs=1e-3)
