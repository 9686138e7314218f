"""Where each request is handled: one method per request type, each returning its reply model."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .. import __version__
from ..arena.comparisons import Arena
from ..gallery.images import ImageStore
from ..jobs import image_files
from ..jobs.assembly import Jobs
from ..jobs.tags import clean_tag
from ..protocol import PROTOCOL_VERSION, SUPPORTED_VERSIONS, Envelope, ErrorCode, WorkerError, validation_text
from ..protocol import messages as m
from ..settings import paths
from ..settings.config import Settings
from .publisher import EventPublisher
from .status import WorkerStatus

CAPABILITIES = ["events.seq", "events.preview", "image.bytes", "jobs.snapshot", "retry", "compare", "votes"]


@dataclass
class Peer:
    client: str = "unknown"
    user: str = ""


class RequestHandlers:
    def __init__(
        self,
        jobs: Jobs,
        images: ImageStore,
        arena: Arena,
        status: WorkerStatus,
        publisher: EventPublisher,
        settings: Settings,
        *,
        events_endpoint: str,
        data_dir: Path,
        request_shutdown: Callable[[str], None],
        library_problems: list[str] | None = None,
    ):
        self.jobs = jobs
        self.images = images
        self.arena = arena
        self.status = status
        self.publisher = publisher
        self.settings = settings
        self.events_endpoint = events_endpoint
        self.data_dir = data_dir
        self.request_shutdown = request_shutdown
        self.library_problems = library_problems or []
        self._peers: OrderedDict[bytes, Peer] = OrderedDict()
        self._table: dict[str, Callable[[Any, Envelope, Peer], BaseModel | Awaitable[BaseModel]]] = {
            name: getattr(self, f"on_{name}") for name in m.REQUESTS
        }

    def handle(self, identity: bytes, envelope: Envelope) -> BaseModel | Awaitable[BaseModel]:
        """Validate the body and run its handler: a reply now, or an awaitable one for the few that wait.

        Raises WorkerError for the error reply."""
        entry = m.REQUESTS.get(envelope.type)
        if entry is None:
            raise WorkerError(
                ErrorCode.UNKNOWN_TYPE,
                f"unknown request type {envelope.type!r}; this worker knows: {', '.join(sorted(m.REQUESTS))}",
                {"type": envelope.type, "known": sorted(m.REQUESTS)},
            )
        try:
            request = entry[0].model_validate(envelope.body)
        except ValidationError as exc:
            raise _validation_error(envelope.type, exc) from None
        if isinstance(request, m.HelloRequest):
            if request.protocol not in SUPPORTED_VERSIONS:
                raise WorkerError(
                    ErrorCode.UNSUPPORTED_VERSION,
                    f"this worker speaks protocol {', '.join(map(str, SUPPORTED_VERSIONS))}, not {request.protocol}; "
                    "upgrade the older side",
                    {"supported": list(SUPPORTED_VERSIONS), "received": request.protocol},
                )
            self.remember(identity, Peer(client=request.client[:64], user=request.user[:64]))
        peer = self._peers.get(identity) or Peer()
        return self._table[envelope.type](request, envelope, peer)

    def remember(self, identity: bytes, peer: Peer) -> None:
        self._peers[identity] = peer
        self._peers.move_to_end(identity)
        while len(self._peers) > 4096:
            self._peers.popitem(last=False)

    # ------------------------------------------------------------ handlers

    def on_hello(self, request: m.HelloRequest, envelope: Envelope, peer: Peer) -> m.HelloReply:
        return m.HelloReply(
            worker_version=__version__,
            protocol=PROTOCOL_VERSION,
            supported_protocols=list(SUPPORTED_VERSIONS),
            epoch=self.publisher.epoch,
            events=self.events_endpoint,
            capabilities=CAPABILITIES,
            backends=self.jobs.views.backend_infos(),
            default_model=self.jobs.catalogue.default_model(self.settings.worker.default_model),
            limits=self.settings.limits.model_dump(),
            procedural_only=self.jobs.catalogue.procedural_only(),
        )

    def on_ping(self, request: m.PingRequest, envelope: Envelope, peer: Peer) -> m.PingReply:
        return m.PingReply(time=time.time())

    def on_generate(self, request: m.GenerateRequest, envelope: Envelope, peer: Peer) -> m.JobReply:
        job = self.jobs.queue.submit(request, peer.client, peer.user, envelope.id)
        return m.JobReply(job=self.jobs.views.info(job))

    def on_cancel(self, request: m.CancelRequest, envelope: Envelope, peer: Peer) -> m.JobReply:
        job = self.jobs.queue.cancel(self.jobs.queue.find(request.job_id))
        return m.JobReply(job=self.jobs.views.info(job))

    def on_retry(self, request: m.RetryRequest, envelope: Envelope, peer: Peer) -> m.JobReply:
        job = self.jobs.queue.retry(self.jobs.queue.find(request.job_id), peer.client, peer.user, envelope.id)
        return m.JobReply(job=self.jobs.views.info(job))

    def on_priority(self, request: m.PriorityRequest, envelope: Envelope, peer: Peer) -> m.JobReply:
        job = self.jobs.queue.set_priority(self.jobs.queue.find(request.job_id), request.priority)
        return m.JobReply(job=self.jobs.views.info(job))

    def on_job(self, request: m.JobRequest, envelope: Envelope, peer: Peer) -> m.JobReply:
        return m.JobReply(job=self.jobs.views.info(self.jobs.queue.find(request.job_id)))

    def on_jobs(self, request: m.JobsRequest, envelope: Envelope, peer: Peer) -> m.JobsReply:
        states = set(request.states) if request.states else None
        jobs = self.jobs.views.snapshot(states, finished_limit=request.limit)
        return m.JobsReply(jobs=jobs, seq=self.publisher.seq, epoch=self.publisher.epoch)

    async def on_image(self, request: m.ImageRequest, envelope: Envelope, peer: Peer) -> m.ImageReply:
        info = self.images.image(request.image_id)
        if info is None:
            raise WorkerError(
                ErrorCode.UNKNOWN_IMAGE,
                f"no image {request.image_id!r}; image ids look like JOBID-0",
                {"image_id": request.image_id},
            )
        if not request.include_bytes:
            return m.ImageReply(image=info)
        if request.raw and info.raw_path is None:
            raise WorkerError(
                ErrorCode.UNKNOWN_IMAGE,
                f"image {info.id} had no post-processing: the image itself is the raw render",
                {"image_id": info.id},
            )
        path = paths.inside(self.data_dir, info.raw_path if request.raw and info.raw_path else info.path)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise WorkerError(
                ErrorCode.UNKNOWN_IMAGE,
                f"image {info.id} is recorded but its file {path} is gone; regenerate it",
                {"image_id": info.id},
            ) from None
        if request.max_px is not None:
            data = await asyncio.to_thread(image_files.thumbnail_png, data, request.max_px)
        return m.ImageReply(image=info, png=data)

    def on_images(self, request: m.ImagesRequest, envelope: Envelope, peer: Peer) -> m.ImagesReply:
        tag = clean_tag(request.tag)
        images, total = self.images.images(
            request.query, request.model or None, tag or None, request.limit, request.before
        )
        return m.ImagesReply(images=images, total=total)

    def on_models(self, request: m.ModelsRequest, envelope: Envelope, peer: Peer) -> m.ModelsReply:
        return m.ModelsReply(models=self.jobs.catalogue.models(), problems=self.library_problems)

    def on_status(self, request: m.StatusRequest, envelope: Envelope, peer: Peer) -> m.StatusReply:
        return self.status.status()

    def on_compare(self, request: m.CompareRequest, envelope: Envelope, peer: Peer) -> m.CompareReply:
        user = request.user or peer.user
        return m.CompareReply(comparison=self.arena.compare(request, peer.client, user, envelope.id))

    def on_comparison(self, request: m.ComparisonRequest, envelope: Envelope, peer: Peer) -> m.CompareReply:
        return m.CompareReply(comparison=self.arena.info(request.comparison_id))

    async def on_vote(self, request: m.VoteRequest, envelope: Envelope, peer: Peer) -> m.VoteReply:
        return await self.arena.vote(request, peer.client, request.user or peer.user)

    def on_votes(self, request: m.VotesRequest, envelope: Envelope, peer: Peer) -> m.VotesReply:
        votes, total = self.arena.votes(request.after_id, request.limit)
        return m.VotesReply(votes=votes, total=total)

    async def on_leaderboard(self, request: m.LeaderboardRequest, envelope: Envelope, peer: Peer) -> m.LeaderboardReply:
        return await self.arena.leaderboard(request.tag, request.rounds)

    def on_shutdown(self, request: m.ShutdownRequest, envelope: Envelope, peer: Peer) -> m.ShutdownReply:
        self.request_shutdown(request.reason or f"shutdown requested by {peer.client}")
        return m.ShutdownReply(stopping=True)

    async def on_test_events(self, request: m.TestEventsRequest, envelope: Envelope, peer: Peer) -> m.TestEventsReply:
        if not self.settings.worker.test_events:
            raise WorkerError(
                ErrorCode.DISABLED,
                "test events are disabled; start the worker with DGX_PIXELS_WORKER__TEST_EVENTS=true",
            )
        pad = b"x" * request.payload_bytes
        first = self.publisher.seq + 1
        for n in range(request.count):
            self.publisher.publish("worker.test", {"n": n, "pad": pad}, re=envelope.id)
            if n % 2000 == 1999:
                await asyncio.sleep(0)  # let other clients in
        return m.TestEventsReply(first_seq=first, last_seq=self.publisher.seq)


def _validation_error(kind: str, exc: ValidationError) -> WorkerError:
    return WorkerError(
        ErrorCode.INVALID,
        f"invalid {kind} request: {validation_text.summary(exc, most=5)}",
        {"errors": validation_text.problems(exc)},
    )
