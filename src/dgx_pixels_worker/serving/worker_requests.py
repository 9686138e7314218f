"""Requests about the worker itself: hello, ping, models, status, shutdown and test events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from .. import __version__
from ..access.permissions import Permissions
from ..jobs.catalogue import ModelCatalogue
from ..jobs.views import JobViews
from ..protocol import PROTOCOL_VERSION, SUPPORTED_VERSIONS, Envelope, ErrorCode, WorkerError
from ..protocol import messages as m
from ..settings.config import Settings
from .dispatch import Peer
from .publisher import EventPublisher
from .status import WorkerStatus

CAPABILITIES = [
    "events.seq",
    "events.preview",
    "image.bytes",
    "jobs.snapshot",
    "retry",
    "compare",
    "votes",
    "palettes",
    "training",
]


class WorkerRequests:
    def __init__(
        self,
        catalogue: ModelCatalogue,
        views: JobViews,
        status: WorkerStatus,
        publisher: EventPublisher,
        settings: Settings,
        events_endpoint: str,
        library_problems: list[str],
        request_shutdown: Callable[[str], None],
        permissions: Permissions,
    ):
        self._permissions = permissions
        self._catalogue = catalogue
        self._views = views
        self._status = status
        self._publisher = publisher
        self._settings = settings
        self._events_endpoint = events_endpoint
        self._library_problems = library_problems
        self._request_shutdown = request_shutdown

    def on_hello(self, request: m.HelloRequest, envelope: Envelope, peer: Peer) -> m.HelloReply:
        return m.HelloReply(
            worker_version=__version__,
            protocol=PROTOCOL_VERSION,
            supported_protocols=list(SUPPORTED_VERSIONS),
            epoch=self._publisher.epoch,
            events=self._events_endpoint,
            commands=self._settings.worker.rep,
            capabilities=CAPABILITIES,
            backends=self._views.backend_infos(),
            default_model=self._catalogue.default_model(self._settings.worker.default_model),
            limits=self._settings.limits.model_dump(),
            procedural_only=self._catalogue.procedural_only(),
            user=peer.user,
            admin=peer.admin,
        )

    def on_ping(self, request: m.PingRequest, envelope: Envelope, peer: Peer) -> m.PingReply:
        return m.PingReply(time=time.time())

    def on_models(self, request: m.ModelsRequest, envelope: Envelope, peer: Peer) -> m.ModelsReply:
        return m.ModelsReply(
            models=self._catalogue.models(), problems=[*self._library_problems, *self._catalogue.problems]
        )

    def on_status(self, request: m.StatusRequest, envelope: Envelope, peer: Peer) -> m.StatusReply:
        return self._status.status()

    def on_shutdown(self, request: m.ShutdownRequest, envelope: Envelope, peer: Peer) -> m.ShutdownReply:
        self._permissions.check_admin(peer.admin, "stop it")
        self._request_shutdown(request.reason or f"shutdown requested by {peer.user} ({peer.client})")
        return m.ShutdownReply(stopping=True)

    async def on_test_events(self, request: m.TestEventsRequest, envelope: Envelope, peer: Peer) -> m.TestEventsReply:
        if not self._settings.worker.test_events:
            raise WorkerError(
                ErrorCode.DISABLED,
                "test events are disabled; start the worker with DGX_PIXELS_WORKER__TEST_EVENTS=true",
            )
        pad = b"x" * request.payload_bytes
        first = self._publisher.seq + 1
        for n in range(request.count):
            self._publisher.publish("worker.test", {"n": n, "pad": pad}, re=envelope.id)
            if n % 2000 == 1999:
                await asyncio.sleep(0)  # let other clients in
        return m.TestEventsReply(first_seq=first, last_seq=self._publisher.seq)
