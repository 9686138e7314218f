"""Counters a benchmark reads from GET /__double/stats: how busy the server was and what it had to load."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

MAX_RUN_RECORDS = 10000


@dataclass
class ServerStats:
    started_at: float = field(default_factory=time.time)
    prompts_received: int = 0
    prompts_rejected: int = 0
    prompts_executed: int = 0
    prompts_succeeded: int = 0
    prompts_failed: int = 0
    prompts_interrupted: int = 0
    queue_max_depth: int = 0
    busy_seconds: float = 0.0
    idle_gaps: list[float] = field(default_factory=list)
    runs: list[dict] = field(default_factory=list)
    _run_started: float | None = None
    _last_end: float | None = None

    def prompt_queued(self, pending_depth: int) -> None:
        self.prompts_received += 1
        self.queue_max_depth = max(self.queue_max_depth, pending_depth)

    def run_started(self, prompt_id: str, number: float) -> None:
        now = time.monotonic()
        if self._last_end is not None:
            self.idle_gaps.append(now - self._last_end)
        self._run_started = now
        self.runs.append(
            {"prompt_id": prompt_id, "number": number, "started": time.time(), "finished": None, "outcome": None}
        )
        del self.runs[:-MAX_RUN_RECORDS]

    def run_finished(self, outcome: str) -> None:
        now = time.monotonic()
        if self._run_started is not None:
            self.busy_seconds += now - self._run_started
        self._last_end = now
        self._run_started = None
        self.prompts_executed += 1
        if outcome == "execution_success":
            self.prompts_succeeded += 1
        elif outcome == "execution_interrupted":
            self.prompts_interrupted += 1
        else:
            self.prompts_failed += 1
        self.runs[-1].update(finished=time.time(), outcome=outcome)

    def snapshot(self) -> dict:
        busy = self.busy_seconds + (time.monotonic() - self._run_started if self._run_started is not None else 0.0)
        return {
            "prompts_received": self.prompts_received,
            "prompts_rejected": self.prompts_rejected,
            "prompts_executed": self.prompts_executed,
            "prompts_succeeded": self.prompts_succeeded,
            "prompts_failed": self.prompts_failed,
            "prompts_interrupted": self.prompts_interrupted,
            "busy_seconds": busy,
            "idle_seconds_between_prompts": sum(self.idle_gaps),
            "idle_gaps": list(self.idle_gaps),
            "queue_max_depth": self.queue_max_depth,
            "uptime_seconds": time.time() - self.started_at,
            "runs": list(self.runs),
        }
