"""An evaluation round: blind comparisons of a trained preset against its base, one shared seed per prompt, so
that the only difference between two panels is the LoRA."""

from __future__ import annotations

import secrets
from itertools import cycle, islice

from ..arena.comparisons import Arena
from ..protocol import ErrorCode, WorkerError
from ..protocol import messages as m
from .trained_store import TrainedStore

EVALUATION_TAG = "evaluation"


class Evaluations:
    def __init__(self, arena: Arena, store: TrainedStore):
        self._arena = arena
        self._store = store

    def evaluate(
        self, request: m.EvaluateRequest, client: str, user: str, request_id: str | None
    ) -> list[m.ComparisonInfo]:
        trained = self._store.get(request.model)
        if trained is None:
            known = ", ".join(self._store.names()) or "none yet"
            raise WorkerError(
                ErrorCode.UNKNOWN_MODEL,
                f"no trained preset {request.model!r} (trained: {known}); `dgx-pixels train list` shows them",
                {"model": request.model},
            )
        prompts = request.prompts or _dataset_prompts(trained, request.rounds)
        seed = request.seed if request.seed is not None else secrets.randbelow(2**32)
        return [
            self._arena.compare(
                m.CompareRequest(
                    prompt=prompt,
                    models=[trained.name, trained.base],
                    seed=(seed + index) % 2**63,
                    tags=[EVALUATION_TAG],
                    priority=request.priority,
                ),
                client,
                user,
                f"{request_id}/{index}" if request_id else None,  # sent again, each comparison is found again
            )
            for index, prompt in enumerate(prompts)
        ]


def _dataset_prompts(trained: m.TrainedInfo, rounds: int) -> list[str]:
    """The dataset's distinct captions, in order, repeated until there are `rounds`."""
    captions = list(dict.fromkeys(e.caption.strip() for e in trained.dataset if e.caption.strip()))
    return list(islice(cycle(captions or [trained.name]), rounds))
