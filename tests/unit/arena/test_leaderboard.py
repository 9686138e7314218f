from __future__ import annotations

import json
import math
import random

import msgpack
import numpy as np
import pytest

from dgx_pixels_worker.arena import (
    POINTS_PER_NAT,
    Vote,
    build_leaderboard,
    fit_bradley_terry,
    leaderboard_for_tag,
    pairwise_wins,
    tag_counts,
    to_score,
)
from dgx_pixels_worker.arena import leaderboard as lb

TRUE_THETA = np.array([-1.5, -0.9, -0.3, 0.3, 0.9, 1.5])
NAMES = [f"p{i}" for i in range(len(TRUE_THETA))]


def win(*presets: str, winner: int, tags: tuple[str, ...] = ()) -> Vote:
    return Vote(presets, "win", winner, tags)


def simulate(count: int, sizes: tuple[int, ...], seed: int) -> list[Vote]:
    """Random panels; the winner is drawn with Plackett-Luce first-choice probabilities s_i / sum(s)."""
    rng = np.random.default_rng(seed)
    strength = np.exp(TRUE_THETA)
    votes = []
    for _ in range(count):
        panel = rng.choice(len(NAMES), size=rng.choice(sizes), replace=False)
        chances = strength[panel] / strength[panel].sum()
        votes.append(Vote(tuple(NAMES[i] for i in panel), "win", int(rng.choice(len(panel), p=chances))))
    return votes


def log_strengths(board, names) -> np.ndarray:
    return np.array([(board.row(n).score - 1500.0) / POINTS_PER_NAT for n in names])


def loglik(wins: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Straight from the definition, for theta of shape (..., P): sum_ij W_ij log(s_i / (s_i + s_j))."""
    s = np.exp(theta)
    share = s[..., :, None] / (s[..., :, None] + s[..., None, :])
    return (wins * np.log(share)).sum(axis=(-2, -1))


def zoom_grid(objective, dims: int, half_width: float = 4.0, points: int = 41, levels: int = 12) -> np.ndarray:
    """Grid search that re-centres on the best point and shrinks the box 4x per level (fine for concave F)."""
    centre = np.zeros(dims)
    for _ in range(levels):
        axes = [np.linspace(c - half_width, c + half_width, points) for c in centre]
        grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, dims)
        centre = grid[np.argmax(objective(grid))]
        half_width /= 4.0
    return centre


# Hand-made votes among A, B, C whose win matrix is worked out below.
HAND_VOTES = (
    [win("A", "B", winner=0)] * 3
    + [win("A", "B", winner=1)]
    + [win("B", "C", winner=0)] * 2
    + [win("C", "B", winner=0)]
    + [win("A", "C", winner=0), Vote(("C", "A"), "tie")]
    + [win("A", "B", "C", winner=2)]
    + [Vote(("A", "B"), "both_bad")] * 2
    + [Vote(("B", "C"), "skip")]
)
HAND_WINS = np.array([[0.0, 3.0, 1.5], [1.0, 0.0, 2.0], [1.5, 2.0, 0.0]])


def test_hand_votes_give_the_worked_out_win_matrix():
    names, wins = pairwise_wins(HAND_VOTES)
    assert names == ["A", "B", "C"]
    np.testing.assert_array_equal(wins, HAND_WINS)


def test_mle_matches_direct_maximisation_of_the_likelihood():
    # Three presets, mean-0 parametrisation theta_C = -theta_A - theta_B, fine grid over (theta_A, theta_B).
    def objective(grid):
        full = np.column_stack([grid, -grid.sum(axis=1)])
        return loglik(HAND_WINS, full)

    a, b = zoom_grid(objective, 2)
    expected = np.array([a, b, -a - b])
    board = build_leaderboard(HAND_VOTES, rounds=0, prior=0.0)
    np.testing.assert_allclose(log_strengths(board, ["A", "B", "C"]), expected, atol=1e-4)
    assert abs(expected[0] - expected[1]) > 0.3  # the data really separates them


def test_mle_matches_zermelo_iteration_on_four_presets():
    wins = np.array([[0, 7, 3, 9], [4, 0, 6, 2.5], [5, 3, 0, 8], [1, 2.5, 2, 0]], dtype=float)
    games = wins + wins.T
    strength = np.ones(4)
    for _ in range(20_000):  # Zermelo/Hunter MM: s_i = w_i / sum_j n_ij / (s_i + s_j)
        strength = wins.sum(axis=1) / (games / (strength[:, None] + strength[None, :])).sum(axis=1)
        strength /= np.exp(np.log(strength).mean())
    np.testing.assert_allclose(fit_bradley_terry(wins, prior=0.0), np.log(strength), atol=1e-6)


def test_prior_is_a_gaussian_penalty_and_its_optimum_has_mean_zero():
    prior = 0.25

    def objective(grid):
        return loglik(HAND_WINS, grid) - 0.5 * prior * (grid**2).sum(axis=1)

    expected = zoom_grid(objective, 3, points=31)
    fitted = fit_bradley_terry(HAND_WINS, prior=prior)
    np.testing.assert_allclose(fitted, expected, atol=1e-4)
    assert abs(expected.sum()) < 1e-4


def test_unbeaten_preset_stays_finite_with_the_prior_and_has_no_mle_without():
    wins = np.array([[0.0, 5.0], [0.0, 0.0]])
    # theta = (t, -t): maximise 5 log sigma(2t) - 0.25 t^2.
    t = zoom_grid(lambda g: 5 * -np.logaddexp(0, -2 * g[:, 0]) - 0.25 * g[:, 0] ** 2, 1)[0]
    np.testing.assert_allclose(fit_bradley_terry(wins), [t, -t], atol=1e-6)
    assert 1.0 < t < 1.5
    with pytest.raises(ValueError, match="no finite"):
        fit_bradley_terry(wins, prior=0.0)


def test_score_scale_puts_ten_to_one_odds_at_400_points():
    votes = [win("A", "B", winner=0)] * 10 + [win("A", "B", winner=1)]
    board = build_leaderboard(votes, rounds=0, prior=0.0)
    assert board.row("A").score == pytest.approx(1700.0, abs=1e-6)
    assert board.row("B").score == pytest.approx(1300.0, abs=1e-6)
    assert board.row("A").ci_low is None and board.bootstrap_rounds == 0


def test_recovers_known_strengths_from_pairwise_votes():
    votes = simulate(3000, (2,), seed=11)
    board = build_leaderboard(votes, rounds=200, seed=3)
    truth = to_score(TRUE_THETA)
    outside = [
        n for n, true in zip(NAMES, truth, strict=True) if not board.row(n).ci_low <= true <= board.row(n).ci_high
    ]
    assert len(outside) <= 1, outside
    assert [row.preset for row in board.rows] == NAMES[::-1]
    assert np.abs(log_strengths(board, NAMES) - TRUE_THETA).max() < 0.25
    # Interval widths agree with the asymptotic 95% width 2 * 1.96 * sd from the inverse Fisher information.
    names, wins = pairwise_wins(votes)
    theta = log_strengths(board, names)
    beats = 1 / (1 + np.exp(theta[None, :] - theta[:, None]))
    information = (wins + wins.T) * beats * beats.T
    information = np.diag(information.sum(axis=1)) - information
    asymptotic = 2 * 1.96 * np.sqrt(np.diag(np.linalg.pinv(information))) * POINTS_PER_NAT
    widths = np.array([board.row(n).ci_high - board.row(n).ci_low for n in names])
    np.testing.assert_allclose(widths, asymptotic, rtol=0.25)


def test_three_and_four_panel_votes_still_rank_correctly():
    board = build_leaderboard(simulate(3000, (3, 4), seed=5), rounds=0)
    assert [row.preset for row in board.rows] == NAMES[::-1]
    assert board.total_votes == 3000


def test_multi_panel_win_gives_one_win_over_each_other_panel():
    names, wins = pairwise_wins([win("A", "B", "C", winner=1), win("A", "B", "C", "D", winner=3)])
    assert names == ["A", "B", "C", "D"]
    expected = np.zeros((4, 4))
    expected[1, [0, 2]] = 1  # B over A and C; nothing between A and C
    expected[3, [0, 1, 2]] = 1
    np.testing.assert_array_equal(wins, expected)
    board = build_leaderboard([win("A", "B", "C", winner=1)], rounds=0)
    assert (board.row("B").games, board.row("A").games, board.row("C").games) == (2, 1, 1)
    assert (board.row("B").wins, board.row("A").losses, board.row("C").losses) == (1, 1, 1)


@pytest.mark.parametrize("panels", [("A", "B"), ("A", "B", "C"), ("A", "B", "C", "D")])
def test_tie_gives_every_pair_half_a_win_each(panels):
    _, wins = pairwise_wins([Vote(panels, "tie")])
    size = len(panels)
    np.testing.assert_array_equal(wins, 0.5 * (np.ones((size, size)) - np.eye(size)))
    board = build_leaderboard([Vote(panels, "tie")], rounds=10)
    assert all(row.ties == 1 and row.wins == 0 and row.games == size - 1 for row in board.rows)
    assert all(row.score == pytest.approx(1500.0) for row in board.rows)


def test_both_bad_and_skip_count_as_votes_but_not_as_games():
    votes = [win("A", "B", winner=0)] * 2 + [
        Vote(("A", "B"), "both_bad"),
        Vote(("A", "C"), "both_bad"),
        Vote(("B", "C"), "skip"),
    ]
    _, wins = pairwise_wins(votes)
    assert wins.sum() == 2
    board = build_leaderboard(votes, rounds=20)
    a, b, c = board.row("A"), board.row("B"), board.row("C")
    assert (a.votes, a.wins, a.losses, a.both_bad, a.skips, a.games) == (4, 2, 0, 2, 0, 2)
    assert (b.votes, b.wins, b.losses, b.both_bad, b.skips, b.games) == (4, 0, 2, 1, 1, 2)
    assert (c.votes, c.both_bad, c.skips, c.games) == (2, 1, 1, 0)
    assert board.total_votes == 5
    # C never played: listed last at 1500 with no interval, even though B scores below 1500.
    assert board.rows[-1] is c
    assert (c.score, c.ci_low, c.ci_high) == (1500.0, None, None)
    assert b.score < 1500 < a.score and a.ci_low is not None


def test_win_rate_matrix_on_a_worked_example():
    votes = [win("A", "B", winner=0)] * 2 + [
        win("A", "B", winner=1),
        Vote(("A", "B"), "tie"),
        win("A", "B", "C", winner=2),
        Vote(("A", "D"), "both_bad"),
    ]
    rate = build_leaderboard(votes, rounds=0).win_rate
    assert rate["A"]["B"] == pytest.approx(2.5 / 4)
    assert rate["B"]["A"] == pytest.approx(1.5 / 4)
    assert (rate["C"]["A"], rate["A"]["C"], rate["C"]["B"], rate["B"]["C"]) == (1.0, 0.0, 1.0, 0.0)
    assert rate["A"]["A"] is None
    assert rate["A"]["D"] is None and set(rate["D"].values()) == {None}
    assert set(rate) == {"A", "B", "C", "D"}


def test_to_dict_is_plain_json_without_nan():
    votes = [*HAND_VOTES, Vote(("A", "Z"), "both_bad")]
    data = build_leaderboard(votes, rounds=30).to_dict()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert msgpack.unpackb(msgpack.packb(data)) == data
    assert set(data) == {"tag", "total_votes", "bootstrap_rounds", "rows", "win_rate"}
    assert data["bootstrap_rounds"] == 30 and data["total_votes"] == len(votes)
    assert [row["preset"] for row in data["rows"]][-1] == "Z"
    assert data["rows"][-1]["ci_low"] is None and data["win_rate"]["Z"]["A"] is None

    def plain(value):
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return value is None or (
            type(value) in (str, int, float) and (type(value) is not float or math.isfinite(value))
        )

    assert plain(data)


def test_bootstrap_is_deterministic_per_seed_and_independent_of_vote_order():
    votes = simulate(400, (2, 3, 4), seed=2)
    first = build_leaderboard(votes, rounds=50, seed=7).to_dict()
    shuffled = votes[:]
    random.Random(1).shuffle(shuffled)
    assert build_leaderboard(shuffled, rounds=50, seed=7).to_dict() == first
    # Without the prior the intervals are the bootstrap's alone (no normal-approximation floor): the seed shows.
    plain = build_leaderboard(votes, rounds=50, seed=7, prior=0.0).to_dict()
    other = build_leaderboard(votes, rounds=50, seed=8, prior=0.0).to_dict()
    assert other["rows"][0]["ci_low"] != plain["rows"][0]["ci_low"]
    assert [r["score"] for r in other["rows"]] == [r["score"] for r in plain["rows"]]


def test_a_handful_of_votes_never_gets_a_narrow_interval():
    """Resampling one vote gives that vote back every time; the interval must still say how little is known."""
    board = build_leaderboard([win("A", "B", winner=0)], rounds=200)
    for row in board.rows:
        assert row.ci_high - row.ci_low > 400  # more than 10:1 odds either way
        assert row.ci_low < row.score < row.ci_high
    many = build_leaderboard([win("A", "B", winner=0)] * 200 + [win("A", "B", winner=1)] * 100, rounds=200)
    assert all(row.ci_high - row.ci_low < 100 for row in many.rows)


def test_bootstrap_resamples_whole_votes_not_pairwise_outcomes():
    # The same pairwise outcomes as 4-panel votes (A's three wins move together) and as 2-panel votes.
    four = [win("A", "B", "C", "D", winner=w) for w in range(4) for _ in range(50)]
    two = []
    for vote in four:
        winner = vote.presets[vote.winner]
        two += [win(winner, other, winner=0) for other in vote.presets if other != winner]
    np.testing.assert_array_equal(pairwise_wins(four)[1], pairwise_wins(two)[1])
    grouped, split = build_leaderboard(four, rounds=400, seed=1), build_leaderboard(two, rounds=400, seed=1)
    assert grouped.row("A").score == pytest.approx(split.row("A").score, abs=1e-9)
    grouped_width, split_width = (b.row("A").ci_high - b.row("A").ci_low for b in (grouped, split))
    # Seeds 0-4 give ratios 1.3-1.6; resampling pairwise outcomes would give about 1.
    assert grouped_width > 1.2 * split_width, (grouped_width, split_width)


@pytest.mark.parametrize("method", ["multinomial", "index"])
def test_resampling_draws_the_vote_count_with_kind_means_matching_counts(method):
    counts = np.array([50, 1, 3, 20, 6])
    rng = np.random.default_rng(0)
    if method == "multinomial":
        draws = lb._resample(counts, 4000, rng)
    else:
        draws = lb._resample_by_index(counts, 4000, rng, np.float64)
    assert (draws.sum(axis=1) == counts.sum()).all()
    np.testing.assert_allclose(draws.mean(axis=0), counts, rtol=0.05)
    np.testing.assert_allclose(draws.var(axis=0), counts * (1 - counts / counts.sum()), rtol=0.1)


def test_tag_filter_and_tag_counts():
    votes = [
        win("A", "B", winner=0, tags=("weapon",)),
        win("A", "B", winner=0, tags=("weapon", "tile")),
        win("B", "C", winner=0, tags=("tile",)),
        Vote(("A", "C"), "tie"),
    ]
    assert tag_counts(votes) == [("tile", 2), ("weapon", 2)]
    board = leaderboard_for_tag(votes, "weapon", rounds=10)
    assert board.tag == "weapon" and board.total_votes == 2
    assert [row.preset for row in board.rows] == ["A", "B"]
    assert board.to_dict()["tag"] == "weapon"
    assert build_leaderboard(votes, rounds=0).tag is None
    assert leaderboard_for_tag(votes, "missing").rows == ()


def test_no_votes_gives_an_empty_leaderboard():
    board = build_leaderboard([])
    assert board.rows == () and board.total_votes == 0 and board.win_rate == {}
    assert json.loads(json.dumps(board.to_dict()))["rows"] == []
    assert fit_bradley_terry(np.zeros((1, 1))).tolist() == [0.0]


def test_disconnected_groups_stay_finite_and_are_each_centred():
    votes = [win("A", "B", winner=0)] * 5 + [win("A", "B", winner=1)] * 2 + [win("C", "D", winner=0)] * 4
    board = build_leaderboard(votes, rounds=50)
    scores = {row.preset: row.score for row in board.rows}
    assert all(math.isfinite(s) for s in scores.values())
    assert scores["A"] + scores["B"] == pytest.approx(3000.0)
    assert scores["C"] + scores["D"] == pytest.approx(3000.0)
    assert scores["C"] > scores["A"] > 1500  # C is unbeaten; only the prior holds it back


@pytest.mark.parametrize(
    "kwargs",
    [
        {"presets": ("A",), "outcome": "tie"},
        {"presets": ("A", "B", "C", "D", "E"), "outcome": "tie"},
        {"presets": ("A", "A"), "outcome": "tie"},
        {"presets": ("A", "B"), "outcome": "draw"},
        {"presets": ("A", "B"), "outcome": "win"},
        {"presets": ("A", "B"), "outcome": "win", "winner": 2},
        {"presets": ("A", "B"), "outcome": "tie", "winner": 0},
    ],
)
def test_invalid_votes_are_rejected(kwargs):
    with pytest.raises(ValueError):
        Vote(**kwargs)
