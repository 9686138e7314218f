"""What a front end may call on a client: `AsyncClient` has it, and so does any stand-in with the same answers
(the tests' recorded worker). The TUI types its client with `WorkerClient`, so it uses nothing else.

Typing only: importing this module loads neither pydantic nor ZeroMQ.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ..protocol import messages as m
    from .events import StreamItem


class EventSource(Protocol):
    """The stream `events()` gives: snapshots, events and stalls, in order, until closed (see EventStream)."""

    def __aiter__(self) -> AsyncIterator[StreamItem]: ...

    async def __anext__(self) -> StreamItem: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class WorkerClient(Protocol):
    """The requests and the event stream of one worker, as `AsyncClient` gives them."""

    address: str

    async def hello(self, timeout: float | None = None) -> m.HelloReply: ...

    async def ping(self, timeout: float | None = None) -> m.PingReply: ...

    def events(self, *, previews: bool = False, silence_s: float = 5.0) -> EventSource: ...

    async def close(self) -> None: ...

    async def job(self, job_id: str) -> m.JobInfo: ...

    async def jobs(self, states: list[m.JobState] | None = None, limit: int = 200) -> m.JobsReply: ...

    async def generate(self, prompt: str, **params: Any) -> m.JobInfo: ...

    async def cancel(self, job_id: str) -> m.JobInfo: ...

    async def retry(self, job_id: str, request_id: str | None = None) -> m.JobInfo: ...

    async def set_priority(self, job_id: str, priority: int) -> m.JobInfo: ...

    async def image(
        self, image_id: str, include_bytes: bool = True, max_px: int | None = None, raw: bool = False
    ) -> m.ImageReply: ...

    async def images(
        self,
        query: str = "",
        model: str | None = None,
        tag: str | None = None,
        limit: int = 60,
        before: float | None = None,
    ) -> m.ImagesReply: ...

    async def models(self) -> list[m.ModelInfo]: ...

    async def model_library(self) -> m.ModelsReply: ...

    async def palettes(self) -> list[m.PaletteInfo]: ...

    async def status(self) -> m.StatusReply: ...

    async def compare(self, prompt: str, models: list[str], **params: Any) -> m.ComparisonInfo: ...

    async def comparison(self, comparison_id: str) -> m.ComparisonInfo: ...

    async def open_comparisons(self, tag: str | None = None, limit: int = 32) -> list[m.ComparisonInfo]: ...

    async def vote(self, comparison_id: str, outcome: str, winner: int | None = None) -> m.VoteReply: ...

    async def leaderboard(self, tag: str | None = None, rounds: int = 200) -> m.LeaderboardReply: ...

    async def upload(self, png: bytes) -> m.UploadReply: ...

    async def dataset(
        self,
        images: Sequence[m.DatasetItem | dict[str, Any]] = (),
        query: str | None = None,
        winners: str | None = None,
    ) -> m.DatasetReply: ...

    async def train(
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
    ) -> m.JobInfo: ...

    async def trained(self, name: str | None = None, loss_curve: bool = False) -> list[m.TrainedInfo]: ...

    async def evaluate(
        self, model: str, prompts: Sequence[str] = (), rounds: int = 8, seed: int | None = None
    ) -> list[m.ComparisonInfo]: ...
