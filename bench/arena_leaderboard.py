"""Arena leaderboard figures: the full Bradley-Terry leaderboard over 100,000 synthetic votes among 20 presets.

leaderboard_s = votes -> finished leaderboard (grouping, fit, 200 bootstrap refits, win-rate matrix);
fit_s = the same without the bootstrap; bootstrap_s = the resampling and refits alone. Medians of 5 runs;
the votes (mixed 2/3/4 panels, wins, ties, both_bad, skips) are made once, outside the timing.

    python bench/arena_leaderboard.py [--json] [--votes N] [--presets P] [--rounds B]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from dgx_pixels_worker.arena import Vote, build_leaderboard
from dgx_pixels_worker.arena import leaderboard as lb

from _harness import median, report

RUNS = 5
OUTCOME_SHARES = {"win": 0.78, "tie": 0.12, "both_bad": 0.06, "skip": 0.04}
TAGS = ("character", "weapon", "tile", "potion")


def synthetic_votes(count: int, presets: int, seed: int = 0) -> list[Vote]:
    """Random 2-4 preset panels; winners drawn with Plackett-Luce probabilities from log-strengths over +-2."""
    rng = np.random.default_rng(seed)
    names = [f"preset-{i:02d}" for i in range(presets)]
    theta = np.linspace(-2.0, 2.0, presets)
    sizes = rng.integers(2, min(4, presets) + 1, size=count)
    order = np.argsort(rng.random((count, presets)), axis=1)[:, :4]
    # Gumbel-max: argmax(theta + Gumbel noise) picks i with probability exp(theta_i) / sum(exp(theta)).
    noisy = np.where(np.arange(4) < sizes[:, None], theta[order] + rng.gumbel(size=(count, 4)), -np.inf)
    winners = noisy.argmax(axis=1).tolist()
    outcomes = rng.choice(list(OUTCOME_SHARES), size=count, p=list(OUTCOME_SHARES.values())).tolist()
    tags = rng.integers(0, len(TAGS), size=count).tolist()
    panels, sizes = order.tolist(), sizes.tolist()
    return [
        Vote(
            tuple(names[i] for i in panels[n][: sizes[n]]),
            outcomes[n],
            winners[n] if outcomes[n] == "win" else None,
            (TAGS[tags[n]],),
        )
        for n in range(count)
    ]


def _timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def measure_leaderboard(votes: int = 100_000, presets: int = 20, rounds: int = 200) -> dict[str, float]:
    ballots = synthetic_votes(votes, presets)
    kinds = lb._group(ballots)
    pairs = lb._pairs(kinds)
    wins = lb._win_matrix(kinds, pairs)
    rated = np.flatnonzero((wins + wins.T).sum(axis=1) > 0)
    theta = lb.fit_bradley_terry(wins[np.ix_(rated, rated)])
    full = [_timed(lambda: build_leaderboard(ballots, rounds=rounds)) for _ in range(RUNS)]
    fit = [_timed(lambda: build_leaderboard(ballots, rounds=0)) for _ in range(RUNS)]
    boot = [
        _timed(lambda: lb._bootstrap(kinds, pairs, rated, theta, rounds=rounds, seed=0, prior=lb.DEFAULT_PRIOR))
        for _ in range(RUNS)
    ]
    return {
        "votes": float(votes),
        "presets": float(presets),
        "rounds": float(rounds),
        "vote_kinds": float(kinds.counts.size),
        "leaderboard_s": median(full),
        "fit_s": median(fit),
        "bootstrap_s": median(boot),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--presets", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    figures = measure_leaderboard(args.votes, args.presets, args.rounds)
    report("bench/arena_leaderboard.py", figures, {"leaderboard_s": "target <= 1"}, args.json)


if __name__ == "__main__":
    main()
