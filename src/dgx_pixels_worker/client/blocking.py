"""A blocking face on AsyncClient for scripts and one-shot commands: same methods, no `await`.

Each request is spelled out with AsyncClient's signature, so a type checker sees what it takes and returns;
`tests/unit/test_client_api.py` checks that none is missing. Events need a loop: read them in `run`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from .aio import AsyncClient

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..protocol import messages as m

T = TypeVar("T")


class BlockingClient:
    def __init__(self, client: AsyncClient):
        self._loop = asyncio.new_event_loop()
        self._client = client

    def _wait(self, request: Awaitable[T]) -> T:
        return self._loop.run_until_complete(request)

    # ------------------------------------------------------------ the wrapped client

    @property
    def async_client(self) -> AsyncClient:
        return self._client

    @property
    def address(self) -> str:
        return self._client.address

    @property
    def name(self) -> str:
        return self._client.name

    @property
    def user(self) -> str:
        return self._client.user

    @property
    def timeout(self) -> float:
        return self._client.timeout

    @property
    def hello_reply(self) -> m.HelloReply | None:
        return self._client.hello_reply

    def run(self, function: Callable[[AsyncClient], Awaitable[T]]) -> T:
        """Run an async function of the client to completion, e.g. one that reads events."""
        return self._wait(function(self._client))

    def close(self) -> None:
        self._wait(self._client.close())
        self._loop.close()

    def __enter__(self) -> BlockingClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ requests, as AsyncClient has them

    def request(
        self,
        kind: str,
        body: dict[str, Any] | BaseModel | None = None,
        *,
        timeout: float | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        return self._wait(self._client.request(kind, body, timeout=timeout, request_id=request_id))

    def call(
        self,
        kind: str,
        body: dict[str, Any] | BaseModel | None = None,
        *,
        timeout: float | None = None,
        request_id: str | None = None,
    ) -> Any:
        return self._wait(self._client.call(kind, body, timeout=timeout, request_id=request_id))

    def hello(self, timeout: float | None = None) -> m.HelloReply:
        return self._wait(self._client.hello(timeout))

    def ping(self, timeout: float | None = None) -> m.PingReply:
        return self._wait(self._client.ping(timeout))

    def generate(self, prompt: str, **params: Any) -> m.JobInfo:
        return self._wait(self._client.generate(prompt, **params))

    def cancel(self, job_id: str) -> m.JobInfo:
        return self._wait(self._client.cancel(job_id))

    def retry(self, job_id: str, request_id: str | None = None) -> m.JobInfo:
        return self._wait(self._client.retry(job_id, request_id))

    def job(self, job_id: str) -> m.JobInfo:
        return self._wait(self._client.job(job_id))

    def jobs(self, states: list[m.JobState] | None = None, limit: int = 200) -> m.JobsReply:
        return self._wait(self._client.jobs(states, limit))

    def set_priority(self, job_id: str, priority: int) -> m.JobInfo:
        return self._wait(self._client.set_priority(job_id, priority))

    def image(
        self, image_id: str, include_bytes: bool = True, max_px: int | None = None, raw: bool = False
    ) -> m.ImageReply:
        return self._wait(self._client.image(image_id, include_bytes, max_px, raw))

    def images(
        self,
        query: str = "",
        model: str | None = None,
        tag: str | None = None,
        limit: int = 60,
        before: float | None = None,
    ) -> m.ImagesReply:
        return self._wait(self._client.images(query, model, tag, limit, before))

    def models(self) -> list[m.ModelInfo]:
        return self._wait(self._client.models())

    def model_library(self) -> m.ModelsReply:
        return self._wait(self._client.model_library())

    def palettes(self) -> list[m.PaletteInfo]:
        return self._wait(self._client.palettes())

    def status(self) -> m.StatusReply:
        return self._wait(self._client.status())

    def compare(self, prompt: str, models: list[str], **params: Any) -> m.ComparisonInfo:
        return self._wait(self._client.compare(prompt, models, **params))

    def comparison(self, comparison_id: str) -> m.ComparisonInfo:
        return self._wait(self._client.comparison(comparison_id))

    def open_comparisons(self, tag: str | None = None, limit: int = 32) -> list[m.ComparisonInfo]:
        return self._wait(self._client.open_comparisons(tag, limit))

    def vote(self, comparison_id: str, outcome: str, winner: int | None = None) -> m.VoteReply:
        return self._wait(self._client.vote(comparison_id, outcome, winner))

    def votes(self, after_id: int = 0, limit: int = 1000) -> m.VotesReply:
        return self._wait(self._client.votes(after_id, limit))

    def leaderboard(self, tag: str | None = None, rounds: int = 200) -> m.LeaderboardReply:
        return self._wait(self._client.leaderboard(tag, rounds))

    def upload(self, png: bytes) -> m.UploadReply:
        return self._wait(self._client.upload(png))

    def dataset(
        self,
        images: Sequence[m.DatasetItem | dict[str, Any]] = (),
        query: str | None = None,
        winners: str | None = None,
    ) -> m.DatasetReply:
        return self._wait(self._client.dataset(images, query, winners))

    def train(
        self,
        name: str,
        base: str,
        *,
        images: Sequence[m.DatasetItem | dict[str, Any]] = (),
        query: str | None = None,
        winners: str | None = None,
        steps: int | None = None,
        rank: int | None = None,
        learning_rate: float | None = None,
        seed: int | None = None,
        size: int | None = None,
        priority: int = 0,
        request_id: str | None = None,
    ) -> m.JobInfo:
        return self._wait(
            self._client.train(
                name,
                base,
                images=images,
                query=query,
                winners=winners,
                steps=steps,
                rank=rank,
                learning_rate=learning_rate,
                seed=seed,
                size=size,
                priority=priority,
                request_id=request_id,
            )
        )

    def trained(self, name: str | None = None, loss_curve: bool = False) -> list[m.TrainedInfo]:
        return self._wait(self._client.trained(name, loss_curve))

    def evaluate(
        self, model: str, prompts: Sequence[str] = (), rounds: int = 8, seed: int | None = None
    ) -> list[m.ComparisonInfo]:
        return self._wait(self._client.evaluate(model, prompts, rounds, seed))

    def shutdown(self, reason: str = "") -> m.ShutdownReply:
        return self._wait(self._client.shutdown(reason))

    def events_address(self) -> str:
        return self._wait(self._client.events_address())
