"""Telling a fresh event from a stale, missing or post-restart one. Plain Python, no sockets."""

from __future__ import annotations

from enum import Enum


class Arrival(Enum):
    NEXT = "next"  # the one expected: apply it
    OLD = "old"  # already covered by the last snapshot: drop it
    GAP = "gap"  # some events were lost: take a new snapshot
    RESTART = "restart"  # the worker restarted (new epoch): take a new snapshot


class SequenceTracker:
    def __init__(self) -> None:
        self.epoch: str | None = None
        self.seq = 0

    def reset(self, epoch: str, seq: int) -> None:
        self.epoch, self.seq = epoch, seq

    def classify(self, epoch: str | None, seq: int | None) -> Arrival:
        if seq is None or self.epoch is None or epoch != self.epoch:
            return Arrival.RESTART
        if seq <= self.seq:
            return Arrival.OLD
        if seq == self.seq + 1:
            self.seq = seq
            return Arrival.NEXT
        return Arrival.GAP
