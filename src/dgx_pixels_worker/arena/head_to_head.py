"""One preset against another, from the votes on comparisons that showed both: wins, losses, ties and a 95%
Wilson interval of the win rate (ties count half). The verdict is only given when the interval leaves 0.5."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

from ..protocol.messages import HeadToHead
from .leaderboard import BOTH_BAD, TIE, WIN, Vote

_Z95 = 1.959963984540054
Verdict = Literal["beats", "loses to", "undecided", "untested"]


def head_to_head(votes: Iterable[Vote], model: str, base: str) -> HeadToHead:
    wins = losses = ties = 0
    for vote in votes:
        if model not in vote.presets or base not in vote.presets:
            continue
        if vote.outcome == WIN and vote.winner is not None:
            winner = vote.presets[vote.winner]
            wins += winner == model
            losses += winner == base
        elif vote.outcome in (TIE, BOTH_BAD):
            ties += 1
    games = wins + losses + ties
    if games == 0:
        return untested(model, base)
    rate = (wins + ties / 2) / games
    low, high = wilson(rate, games)
    verdict: Verdict = "beats" if low > 0.5 else "loses to" if high < 0.5 else "undecided"
    return HeadToHead(
        model=model,
        base=base,
        wins=wins,
        losses=losses,
        ties=ties,
        games=games,
        win_rate=rate,
        ci_low=low,
        ci_high=high,
        verdict=verdict,
    )


def untested(model: str, base: str) -> HeadToHead:
    return HeadToHead(
        model=model,
        base=base,
        wins=0,
        losses=0,
        ties=0,
        games=0,
        win_rate=None,
        ci_low=None,
        ci_high=None,
        verdict="untested",
    )


def wilson(rate: float, games: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion `rate` seen over `games` trials."""
    z2 = _Z95 * _Z95
    centre = (rate + z2 / (2 * games)) / (1 + z2 / games)
    half = _Z95 * math.sqrt(rate * (1 - rate) / games + z2 / (4 * games * games)) / (1 + z2 / games)
    return max(0.0, centre - half), min(1.0, centre + half)
