"""Arena leaderboard: Bradley-Terry strengths of model presets from side-by-side votes.

Votes to pairwise outcomes.  A vote shows 2-4 presets on one prompt.  ``win`` gives the winner one
win over every other panel (losers get nothing against each other); ``tie`` gives every pair of
panels half a win each way; ``both_bad`` and ``skip`` give no outcome but count in the vote counts.
``W[i, j]`` is the (possibly fractional) number of wins of preset i over preset j.

Model.  Preset i has log-strength theta_i and P(i beats j) = s_i / (s_i + s_j) = sigma(theta_i - theta_j)
with s = exp(theta).  The fit maximises the penalised log-likelihood

    F(theta) = sum_ij W_ij log sigma(theta_i - theta_j)  -  (prior / 2) sum_i theta_i^2

by damped Newton steps on theta (the Hessian is P x P).  Ties enter as half wins.

Prior.  ``prior`` is the precision of a Gaussian prior theta_i ~ N(0, 1/prior); the default 0.25
(sd 2 in log-strength, about 350 score points) has the same curvature at theta = 0 as one virtual
game (half a win, half a loss) against a mean-strength opponent.  It keeps the estimate finite when
a preset has won or lost every game; otherwise it pulls a log-strength towards 0 by a fraction of
about prior / (information + prior), i.e. 1/n to 2/n for a preset with n games, which with a few
hundred votes is far inside the interval.  Because the
likelihood is shift-invariant, the penalised optimum has mean log-strength exactly 0 in every
connected group of presets.  ``prior=0`` gives the plain MLE, which exists only when the comparison
graph is strongly connected (everyone has beaten and lost to someone, transitively).

Scale.  score = 1500 + 400 / ln(10) * theta, with the log-strengths normalised to mean 0 (geometric
mean strength 1), so 400 points means 10:1 odds.  When presets split into groups that never met,
each group is centred on 1500 separately and scores across groups are not comparable.

Intervals.  95% intervals come from resampling whole votes with replacement (a 3-panel win moves
as one unit), refitting and taking the 2.5/97.5 percentiles of each score.  Identical votes (same
outcome, same winner, same set of panels) are grouped into kinds, so a round is one multinomial
draw over kinds and the win matrix is counts x (kinds x pairs) contributions.  A preset that drops
out of a resample sits at the prior mean that round.

Unrated presets.  A preset that appears only in ``both_bad``/``skip`` votes has no games: it is
listed after every rated preset with score 1500 and no interval (``ci_low``/``ci_high`` None).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from itertools import chain
from operator import attrgetter
from typing import Any, overload

import numpy as np

WIN, TIE, BOTH_BAD, SKIP = "win", "tie", "both_bad", "skip"
OUTCOMES = (WIN, TIE, BOTH_BAD, SKIP)
MIN_PANELS, MAX_PANELS = 2, 4
DEFAULT_PRIOR = 0.25
DEFAULT_ROUNDS = 200
BASE_SCORE = 1500.0
POINTS_PER_NAT = 400.0 / math.log(10.0)

_OUTCOME_CODE = {name: code for code, name in enumerate(OUTCOMES)}
_TOL = 1e-9
_Z95 = 1.959963984540054  # the two-sided 95% point of the standard normal
_MAX_ITER = 100


@dataclass(frozen=True)
class Vote:
    """One judgement: ``presets`` in display order; ``winner`` indexes them when ``outcome == "win"``."""

    presets: tuple[str, ...]
    outcome: str
    winner: int | None = None
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "presets", tuple(self.presets))
        object.__setattr__(self, "tags", tuple(self.tags))
        if not MIN_PANELS <= len(self.presets) <= MAX_PANELS:
            raise ValueError(f"a vote shows {MIN_PANELS}-{MAX_PANELS} presets, got {len(self.presets)}")
        if len(set(self.presets)) != len(self.presets):
            raise ValueError(f"presets in a vote must be distinct: {self.presets}")
        if self.outcome not in _OUTCOME_CODE:
            raise ValueError(f"outcome must be one of {OUTCOMES}, got {self.outcome!r}")
        if (self.outcome == WIN) != (self.winner is not None):
            raise ValueError("winner is required for a win and only for a win")
        if self.winner is not None and not 0 <= self.winner < len(self.presets):
            raise ValueError(f"winner index {self.winner} out of range for {len(self.presets)} presets")


@dataclass(frozen=True)
class LeaderboardRow:
    """Vote counts are in votes (``votes`` = wins + losses + ties + both_bad + skips); ``games`` counts
    pairwise outcomes (a 3-panel win is 2 games for the winner, 1 for each loser)."""

    preset: str
    score: float
    ci_low: float | None
    ci_high: float | None
    votes: int
    wins: int
    losses: int
    ties: int
    both_bad: int
    skips: int
    games: int


@dataclass(frozen=True)
class Leaderboard:
    """Rows by score, best first (unrated presets last).  ``win_rate[a][b]`` is the share of a-vs-b
    games that a won, ties as half; None where they never met (and on the diagonal)."""

    rows: tuple[LeaderboardRow, ...]
    win_rate: dict[str, dict[str, float | None]]
    total_votes: int
    tag: str | None = None
    bootstrap_rounds: int = 0

    def row(self, preset: str) -> LeaderboardRow:
        for row in self.rows:
            if row.preset == preset:
                return row
        raise KeyError(preset)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON/msgpack types: {tag, total_votes, bootstrap_rounds, rows: [...], win_rate: {a: {b: x}}}."""
        return {
            "tag": self.tag,
            "total_votes": self.total_votes,
            "bootstrap_rounds": self.bootstrap_rounds,
            "rows": [asdict(row) for row in self.rows],
            "win_rate": {a: dict(inner) for a, inner in self.win_rate.items()},
        }


@dataclass(frozen=True)
class _Kinds:
    """Distinct votes: ``panels`` are preset indices padded with -1, ``winner`` is -1 unless a win."""

    names: list[str]
    counts: np.ndarray  # (K,) int
    outcome: np.ndarray  # (K,) outcome code
    winner: np.ndarray  # (K,)
    panels: np.ndarray  # (K, MAX_PANELS)


@dataclass(frozen=True)
class _Pairs:
    """Sparse per-kind contributions to the flattened win matrix: W.flat[cell] += value * count[kind]."""

    kind: np.ndarray
    cell: np.ndarray
    value: np.ndarray


@overload
def to_score(log_strength: float) -> float: ...
@overload
def to_score(log_strength: np.ndarray) -> np.ndarray: ...
def to_score(log_strength: np.ndarray | float) -> np.ndarray | float:
    """Elo-like display scale: 1500 + 400/ln(10) * log-strength."""
    return BASE_SCORE + POINTS_PER_NAT * log_strength


def tag_counts(votes: Iterable[Vote]) -> list[tuple[str, int]]:
    """Tags with how many votes carry them, most used first (ties by name)."""
    counts: dict[str, int] = {}
    for vote in votes:
        for tag in set(vote.tags):
            counts[tag] = counts.get(tag, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def pairwise_wins(votes: Iterable[Vote]) -> tuple[list[str], np.ndarray]:
    """Preset names (sorted) and the aggregated win matrix W[i, j] = wins of i over j (ties as halves)."""
    kinds = _group(votes)
    return kinds.names, _win_matrix(kinds, _pairs(kinds))


def build_leaderboard(
    votes: Iterable[Vote], *, rounds: int = DEFAULT_ROUNDS, seed: int = 0, prior: float = DEFAULT_PRIOR
) -> Leaderboard:
    """Bradley-Terry leaderboard over all votes, with ``rounds`` bootstrap resamples of the votes for 95% CIs.

    Deterministic for a given ``seed`` and independent of vote order.  With ``prior=0`` it raises
    ValueError unless the comparison graph is strongly connected.
    """
    return _build(_group(votes), tag=None, rounds=rounds, seed=seed, prior=prior)


def leaderboard_for_tag(
    votes: Iterable[Vote], tag: str, *, rounds: int = DEFAULT_ROUNDS, seed: int = 0, prior: float = DEFAULT_PRIOR
) -> Leaderboard:
    """The same leaderboard over only the votes carrying ``tag``."""
    tagged = _group(vote for vote in votes if tag in vote.tags)
    return _build(tagged, tag=tag, rounds=rounds, seed=seed, prior=prior)


def fit_bradley_terry(wins: np.ndarray, *, prior: float = DEFAULT_PRIOR, start: np.ndarray | None = None) -> np.ndarray:
    """Log-strengths (mean 0) maximising the penalised Bradley-Terry likelihood of the win matrix.

    Raises ValueError when the optimum does not exist (``prior=0`` and the comparison graph is not
    strongly connected).
    """
    wins = np.asarray(wins, dtype=float)
    if wins.ndim != 2 or wins.shape[0] != wins.shape[1]:
        raise ValueError(f"win matrix must be square, got shape {wins.shape}")
    if prior < 0:
        raise ValueError("prior must be >= 0")
    size = wins.shape[0]
    theta0 = np.zeros(size) if start is None else np.asarray(start, dtype=float) - np.mean(start)
    theta, converged = _newton(wins[None], theta0[None], prior)
    if not converged[0]:
        raise ValueError("no finite Bradley-Terry optimum: some preset won or lost everything; use prior > 0")
    return theta[0]


def _build(kinds: _Kinds, *, tag: str | None, rounds: int, seed: int, prior: float) -> Leaderboard:
    total = int(kinds.counts.sum())
    if total == 0:
        return Leaderboard(rows=(), win_rate={}, total_votes=0, tag=tag, bootstrap_rounds=0)
    pairs = _pairs(kinds)
    wins = _win_matrix(kinds, pairs)
    games = wins + wins.T
    rated = np.flatnonzero(games.sum(axis=1) > 0)
    theta = fit_bradley_terry(wins[np.ix_(rated, rated)], prior=prior)
    low = high = None
    used = 0
    if rounds > 0 and rated.size:
        samples = _bootstrap(kinds, pairs, rated, theta, rounds=rounds, seed=seed, prior=prior)
        used = samples.shape[0]
        if used:
            low, high = to_score(np.asarray(np.percentile(samples, [2.5, 97.5], axis=0)))
            if prior > 0:
                # A few votes resample to almost the same few votes, which makes the percentiles falsely narrow
                # (one vote: zero width). The interval is therefore never narrower than the normal approximation
                # at the fit, whose curvature includes the prior.
                spread = _Z95 * _laplace_sd(wins[np.ix_(rated, rated)], theta, prior)
                low = np.minimum(low, to_score(theta - spread))
                high = np.maximum(high, to_score(theta + spread))
    rows = _rows(kinds, games, rated, to_score(theta), low, high)
    return Leaderboard(
        rows=rows, win_rate=_win_rate(kinds.names, wins, games), total_votes=total, tag=tag, bootstrap_rounds=used
    )


def _group(votes: Iterable[Vote]) -> _Kinds:
    votes = list(votes)
    panels = list(map(attrgetter("presets"), votes))
    flat = list(chain.from_iterable(panels))
    names = sorted(set(flat))
    index = {name: i for i, name in enumerate(names)}
    pad = len(names)  # sorts after every real index
    count = len(votes)
    lengths = np.fromiter(map(len, panels), dtype=np.int64, count=count)
    table = np.full((count, MAX_PANELS), pad, dtype=np.int64)
    rows = np.repeat(np.arange(count), lengths)
    slots = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    table[rows, slots] = np.fromiter(map(index.__getitem__, flat), dtype=np.int64, count=len(flat))
    outcome = np.fromiter(map(_OUTCOME_CODE.__getitem__, map(attrgetter("outcome"), votes)), np.int64, count)
    slot = np.fromiter((-1 if w is None else w for w in map(attrgetter("winner"), votes)), np.int64, count)
    winner = np.where(slot >= 0, table[np.arange(count), np.maximum(slot, 0)], pad)
    table.sort(axis=1)
    keys = np.column_stack([outcome, winner, table])
    first, counts = _distinct_rows(keys, base=pad + 1)
    kinds = keys[first]
    return _Kinds(
        names=names,
        counts=counts,
        outcome=kinds[:, 0],
        winner=np.where(kinds[:, 1] == pad, -1, kinds[:, 1]),
        panels=np.where(kinds[:, 2:] == pad, -1, kinds[:, 2:]),
    )


def _distinct_rows(keys: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
    """First index and count of each distinct row, in lexicographic row order (independent of vote order)."""
    if base ** keys.shape[1] < 2**63:
        # One integer per row: np.unique on a 1-D array is ~30x faster than with axis=0.
        code = keys @ (base ** np.arange(keys.shape[1] - 1, -1, -1, dtype=np.int64))
        _, first, counts = np.unique(code, return_index=True, return_counts=True)
    else:
        _, first, counts = np.unique(keys, axis=0, return_index=True, return_counts=True)
    return first, counts.astype(np.int64)


def _pairs(kinds: _Kinds) -> _Pairs:
    size = len(kinds.names)
    present = kinds.panels >= 0
    beaten = (kinds.outcome == _OUTCOME_CODE[WIN])[:, None] & present & (kinds.panels != kinds.winner[:, None])
    win_kind, win_slot = np.nonzero(beaten)
    win_cell = kinds.winner[win_kind] * size + kinds.panels[win_kind, win_slot]
    tied = (kinds.outcome == _OUTCOME_CODE[TIE])[:, None, None] & present[:, :, None] & present[:, None, :]
    tied &= ~np.eye(MAX_PANELS, dtype=bool)
    tie_kind, first, second = np.nonzero(tied)
    tie_cell = kinds.panels[tie_kind, first] * size + kinds.panels[tie_kind, second]
    return _Pairs(
        kind=np.concatenate([win_kind, tie_kind]),
        cell=np.concatenate([win_cell, tie_cell]),
        value=np.concatenate([np.ones(win_kind.size), np.full(tie_kind.size, 0.5)]),
    )


def _win_matrix(kinds: _Kinds, pairs: _Pairs) -> np.ndarray:
    size = len(kinds.names)
    weights = pairs.value * kinds.counts[pairs.kind]
    return np.bincount(pairs.cell, weights=weights, minlength=size * size).reshape(size, size)


def _bootstrap(
    kinds: _Kinds, pairs: _Pairs, rated: np.ndarray, theta: np.ndarray, *, rounds: int, seed: int, prior: float
) -> np.ndarray:
    """(rounds kept, len(rated)) log-strengths refitted on vote resamples; rounds without an optimum are dropped."""
    total = int(kinds.counts.sum())
    # float32 halves the product's cost and is exact: every sum is a multiple of 1/2 no larger than the vote count.
    dtype = np.float32 if total < 2**23 else np.float64
    draws = _resample(kinds.counts, rounds, np.random.default_rng(seed), dtype)
    # Every pair involves rated presets only, so cells can be indexed within the rated block.
    position = np.full(len(kinds.names), -1)
    position[rated] = np.arange(rated.size)
    size = len(kinds.names)
    cell = position[pairs.cell // size] * rated.size + position[pairs.cell % size]
    # Kinds as a dense (kinds x cells) matrix turns all rounds into one BLAS product.
    contribution = np.zeros((kinds.counts.size, rated.size**2), dtype=dtype)
    contribution[pairs.kind, cell] = pairs.value
    wins = (draws @ contribution).astype(np.float64).reshape(rounds, rated.size, rated.size)
    fitted, converged = _newton(wins, np.repeat(theta[None], rounds, axis=0), prior)
    return fitted[converged]


def _resample(counts: np.ndarray, rounds: int, rng: np.random.Generator, dtype: type = np.float64) -> np.ndarray:
    """(rounds, kinds) counts of a resample of the votes with replacement: Multinomial(n, counts / n) per round."""
    total = int(counts.sum())
    # Both are exact; drawing vote indices costs ~10 ns a vote, the multinomial ~65 ns a kind.
    if total > 6 * counts.size or total >= 2**31:
        return rng.multinomial(total, counts / total, size=rounds).astype(dtype)
    return _resample_by_index(counts, rounds, rng, dtype)


def _resample_by_index(counts: np.ndarray, rounds: int, rng: np.random.Generator, dtype: type) -> np.ndarray:
    total, kinds = int(counts.sum()), counts.size
    owner = np.repeat(np.arange(kinds, dtype=np.int32), counts)
    draws: np.ndarray = np.empty((rounds, kinds), dtype=dtype)
    chunk = max(1, 2**22 // max(total, kinds))  # bounds memory and keeps the flat bins within int32
    for start in range(0, rounds, chunk):
        block = min(chunk, rounds - start)
        picks = owner[rng.integers(0, total, size=(block, total), dtype=np.uint32)]
        picks += (np.arange(block, dtype=np.int32) * kinds)[:, None]
        draws[start : start + block] = np.bincount(picks.ravel(), minlength=block * kinds).reshape(block, kinds)
    return draws


def _newton(wins: np.ndarray, theta: np.ndarray, prior: float) -> tuple[np.ndarray, np.ndarray]:
    """Maximise F for a batch of win matrices (B, P, P) from starts (B, P); returns (theta, converged)."""
    theta = theta.astype(float, copy=True)
    batch, size = theta.shape
    converged = np.zeros(batch, dtype=bool)
    if size <= 1:
        converged[:] = True
        return np.zeros_like(theta), converged
    games = wins + wins.transpose(0, 2, 1)
    won = wins.sum(axis=2)
    # Adding 1/P to every Hessian entry pins the free shift direction (the likelihood ignores it).
    pin = np.full((size, size), 1.0 / size)
    # Without a prior a resample can split into groups that never met; a tiny ridge keeps the solve defined.
    ridge = prior if prior > 0 else 1e-9
    diagonal = np.arange(size)
    active = np.arange(batch)
    for _ in range(_MAX_ITER):
        current = theta[active]
        beats = _sigmoid(current[:, :, None] - current[:, None, :])
        weight = games[active] * beats
        gradient = won[active] - weight.sum(axis=2) - prior * current
        curvature = weight * (1.0 - beats)
        matrix = pin - curvature
        matrix[:, diagonal, diagonal] += curvature.sum(axis=2) + ridge
        step = np.linalg.solve(matrix, gradient[:, :, None])[:, :, 0]
        step *= _backtrack(wins[active], current, step, prior)[:, None]
        theta[active] = current + step
        done = np.abs(step).max(axis=1) < _TOL
        converged[active[done]] = True
        active = active[~done]
        if not active.size:
            break
    theta -= theta.mean(axis=1, keepdims=True)
    return theta, converged


def _laplace_sd(wins: np.ndarray, theta: np.ndarray, prior: float) -> np.ndarray:
    """Standard deviations of the mean-centred log-strengths, from the inverse Hessian of the negative log
    posterior. Centring matters: the votes say nothing about a shift of every strength, so the uncentred
    variance would be mostly the prior's."""
    beats = _sigmoid(theta[:, None] - theta[None, :])
    curvature = (wins + wins.T) * beats * (1.0 - beats)
    hessian = -curvature
    hessian[np.diag_indices_from(hessian)] = curvature.sum(axis=1) + prior
    centre = np.eye(len(theta)) - 1.0 / len(theta)
    covariance = centre @ np.linalg.inv(hessian) @ centre
    return np.sqrt(np.clip(np.diag(covariance), 0.0, None))


def _backtrack(wins: np.ndarray, theta: np.ndarray, step: np.ndarray, prior: float) -> np.ndarray:
    """Per batch item, the largest of 1, 1/2, 1/4, ... that does not lower F (Newton can overshoot far out)."""
    start = _objective(wins, theta, prior)
    scale = np.ones(theta.shape[0])
    slack = 1e-12 * (1.0 + np.abs(start))
    for _ in range(40):
        worse = _objective(wins, theta + scale[:, None] * step, prior) < start - slack
        if not worse.any():
            break
        scale[worse] *= 0.5
    return scale


def _objective(wins: np.ndarray, theta: np.ndarray, prior: float) -> np.ndarray:
    gaps = theta[:, :, None] - theta[:, None, :]
    loglik = -(wins * np.logaddexp(0.0, -gaps)).sum(axis=(1, 2))
    return loglik - 0.5 * prior * (theta**2).sum(axis=1)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _rows(
    kinds: _Kinds,
    games: np.ndarray,
    rated: np.ndarray,
    scores: np.ndarray,
    low: np.ndarray | None,
    high: np.ndarray | None,
) -> tuple[LeaderboardRow, ...]:
    size = len(kinds.names)
    counts = kinds.counts
    appeared = kinds.panels >= 0
    per_outcome = {}
    for outcome, code in _OUTCOME_CODE.items():
        mask = appeared & (kinds.outcome == code)[:, None]
        per_outcome[outcome] = _tally(kinds.panels[mask], np.broadcast_to(counts[:, None], mask.shape)[mask], size)
    is_win = kinds.outcome == _OUTCOME_CODE[WIN]
    wins = _tally(kinds.winner[is_win], counts[is_win], size)
    played = np.rint(games.sum(axis=1)).astype(np.int64)
    position = {int(p): k for k, p in enumerate(rated)}
    rows = []
    for i, name in enumerate(kinds.names):
        k = position.get(i)
        rows.append(
            LeaderboardRow(
                preset=name,
                score=float(scores[k]) if k is not None else BASE_SCORE,
                ci_low=float(low[k]) if k is not None and low is not None else None,
                ci_high=float(high[k]) if k is not None and high is not None else None,
                votes=int(sum(per_outcome[o][i] for o in OUTCOMES)),
                wins=int(wins[i]),
                losses=int(per_outcome[WIN][i] - wins[i]),
                ties=int(per_outcome[TIE][i]),
                both_bad=int(per_outcome[BOTH_BAD][i]),
                skips=int(per_outcome[SKIP][i]),
                games=int(played[i]),
            )
        )
    rows.sort(key=lambda r: (r.games == 0, -r.score, r.preset))
    return tuple(rows)


def _tally(index: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    return np.rint(np.bincount(index, weights=weights, minlength=size)).astype(np.int64)


def _win_rate(names: Sequence[str], wins: np.ndarray, games: np.ndarray) -> dict[str, dict[str, float | None]]:
    return {
        a: {b: (float(wins[i, j] / games[i, j]) if i != j and games[i, j] > 0 else None) for j, b in enumerate(names)}
        for i, a in enumerate(names)
    }
