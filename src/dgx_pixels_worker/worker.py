"""The daemon: assembles the database, backends, the job domain and the sockets, and runs until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import logging
import os
import re
import signal
import time
from typing import TextIO

import zmq

from .access.addresses import is_loopback
from .access.keys import CLIENT, WORKER, KeyPair, KeyProblem, key_pair
from .access.permissions import Permissions
from .access.roster import Roster, owner_name
from .access.zap import RosterAuthenticator
from .arena.comparisons import Arena
from .arena.records import ArenaRecords
from .backends import Backend
from .backends.gpu_metrics import NvmlReader
from .backends.procedural import ProceduralBackend
from .database import Database
from .gallery.images import ImageStore
from .jobs.assembly import assemble_jobs
from .protocol import WorkerError, new_id
from .protocol.messages import WorkerStopping
from .serving.arena_requests import ArenaRequests
from .serving.dispatch import RequestDispatcher
from .serving.image_requests import ImageRequests
from .serving.job_requests import JobRequests
from .serving.loop_socket import LoopSocket
from .serving.memory_guard import MemoryGuard
from .serving.publisher import EventPublisher
from .serving.server import CommandServer
from .serving.status import WorkerStatus
from .serving.training_requests import TrainingRequests
from .serving.worker_requests import WorkerRequests
from .settings.config import Settings
from .settings.presets import ModelPreset
from .training.assembly import assemble_training

log = logging.getLogger("dgx_pixels_worker")
GALLERY_BATCH = 2_000  # images the gallery indexes per heartbeat at most
PUB_HWM = 2_048  # events queued per subscriber (each at most MAX_EVENT_BYTES); past that, dropped: clients resync
LINGER_MS = 1000


class StartupError(Exception):
    """The worker cannot start; the message says why and what to do."""


class Worker:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.data_dir = settings.worker.resolved_data_dir()
        self.started_at = time.time()
        self.epoch = new_id()
        self._stop = asyncio.Event()
        self.library_problems: list[str] = []
        self.presets: dict[str, ModelPreset] = {}  # the ComfyUI presets by name: what a LoRA can be trained on
        self.stop_reason = ""

    def request_stop(self, reason: str) -> None:
        if not self._stop.is_set():
            log.info("stopping: %s", reason)
            self.stop_reason = reason
            self._stop.set()

    def _backends(self) -> list[Backend]:
        backends: list[Backend] = []
        if self.settings.worker.backend in ("auto", "procedural"):
            procedural = self.settings.procedural
            backends.append(ProceduralBackend(steps=procedural.steps, step_delay_s=procedural.step_delay_s))
        if self.settings.worker.backend in ("auto", "comfyui") and self.settings.backends:
            # Imported here: httpx and websockets cost a worker without ComfyUI servers 7 MB for nothing.
            from .backends.comfyui.backend import ComfyUIBackend
            from .backends.comfyui.training_graph import TrainingOptions
            from .settings.library import load_model_library

            presets, workflows, self.library_problems = load_model_library(self.settings)
            self.presets = {preset.name: preset for preset in presets}
            for server in self.settings.backends:
                comfyui = ComfyUIBackend(
                    server.name,
                    server.url,
                    presets,
                    workflows,
                    slots=server.slots,
                    health_interval_s=server.health_interval_s,
                    request_timeout_s=server.request_timeout_s,
                )
                comfyui.training_options = TrainingOptions(server.training_dtype, server.training_dtype)
                backends.append(comfyui)
        return backends

    async def run(self) -> None:
        """Start everything, serve until told to stop, then stop everything started, in reverse order; a
        start-up that fails halfway stops what it had started before the error surfaces."""
        async with contextlib.AsyncExitStack() as stack:
            stack.enter_context(self._lock_data_dir())
            context = zmq.Context()
            stack.callback(context.term)
            db = Database(self.data_dir / "dgx-pixels.db")
            stack.callback(db.close)
            roster, keys = self._access(context, stack)
            hard_limit = max(16 * 1024 * 1024, 4 * self.settings.worker.max_message_bytes)

            def open_router() -> zmq.Socket[bytes]:
                return self._bind(
                    context, zmq.ROUTER, self.settings.worker.rep, keys, stack, {zmq.MAXMSGSIZE: hard_limit}
                )

            pub = self._bind(
                context, zmq.XPUB, self.settings.worker.pub, keys, stack, {zmq.SNDHWM: PUB_HWM, zmq.XPUB_VERBOSE: 1}
            )

            def publish_frames(frames: list[bytes]) -> None:
                pub.send_multipart(frames, flags=zmq.NOBLOCK)

            publisher = EventPublisher(publish_frames, self.epoch)
            backends = self._backends()
            for backend in backends:
                await backend.start()
                stack.push_async_callback(backend.close)
            jobs = assemble_jobs(db, backends, publisher, self.settings, self.data_dir)
            recovered = jobs.lifecycle.recover()
            images = ImageStore(db)
            arena = Arena(
                ArenaRecords(db), jobs.queue, jobs.lifecycle, jobs.catalogue, images, publisher, self.data_dir
            )
            training = assemble_training(db, jobs, arena, backends, self.presets, self.data_dir)
            status = WorkerStatus(jobs, publisher, self.data_dir, self.started_at, NvmlReader())
            permissions = Permissions(lambda: [p.name for p in roster.names() if p.admin])
            who = roster.by_name if keys is not None else (lambda _user: roster.owner)
            dispatcher = RequestDispatcher(
                [
                    WorkerRequests(
                        jobs.catalogue,
                        jobs.views,
                        status,
                        publisher,
                        self.settings,
                        plain_endpoint(pub.getsockopt_string(zmq.LAST_ENDPOINT)),
                        self.library_problems,
                        self.request_stop,
                        permissions,
                    ),
                    JobRequests(jobs.queue, jobs.views, publisher, permissions),
                    ImageRequests(images, self.data_dir),
                    ArenaRequests(arena),
                    TrainingRequests(training, jobs.views),
                ],
                who,
            )
            server = CommandServer(open_router, dispatcher, self.settings.worker.max_message_bytes)
            stack.callback(server.close, LINGER_MS)
            # A new subscriber gets a heartbeat at once: its first message proves the subscription is live,
            # so the snapshot it takes next joins the stream with no gap.
            subscriptions = LoopSocket(pub, lambda frames: self._greet(frames, publisher, status))
            stack.callback(subscriptions.close, LINGER_MS)
            self._install_signals()
            jobs.slots.start()
            stack.push_async_callback(jobs.slots.stop, self.settings.worker.shutdown_grace_s)
            log.info(
                "worker ready: commands %s, events %s, data %s, backends %s, %d job(s) resumed",
                self.settings.worker.rep,
                self.settings.worker.pub,
                self.data_dir,
                ", ".join(b.name for b in backends),
                recovered,
            )
            guard = MemoryGuard(self.settings.worker.max_memory_mb << 20, server.reopen)
            background = [
                asyncio.create_task(self._heartbeats(publisher, status, images), name="heartbeats"),
                asyncio.create_task(guard.run(), name="memory guard"),
            ]
            await self._stop.wait()
            publisher.publish("worker.stopping", WorkerStopping(reason=self.stop_reason))
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)

    def _access(
        self, context: zmq.Context[zmq.Socket[bytes]], stack: contextlib.AsyncExitStack
    ) -> tuple[Roster, KeyPair | None]:
        """The roster of who may connect, and the worker's key pair; no keys when security is off."""
        security = self.settings.security
        keys_dir = security.resolved_keys_dir()
        endpoints = [self.settings.worker.rep, self.settings.worker.pub]
        if not security.enabled:
            wide = [e for e in endpoints if not is_loopback(e)]
            if wide:
                raise StartupError(
                    f'[security] curve = "off" is for loopback addresses only; {", ".join(wide)} would let '
                    "anyone who reaches it drive this worker. Turn curve back on, or bind to 127.0.0.1"
                )
            return Roster(keys_dir, owner_name()), None
        try:
            keys, _ = key_pair(keys_dir, WORKER)
            key_pair(keys_dir, CLIENT)  # the owner's own client key, let in without a grant
        except KeyProblem as exc:
            raise StartupError(str(exc)) from None
        roster = Roster(keys_dir, owner_name())
        auth = RosterAuthenticator(context, roster)
        auth.start()
        stack.callback(auth.stop)
        return roster, keys

    def _bind(
        self,
        context: zmq.Context[zmq.Socket[bytes]],
        kind: int,
        endpoint: str,
        keys: KeyPair | None,
        stack: contextlib.AsyncExitStack,
        options: dict[int, int],
    ) -> zmq.Socket[bytes]:
        sock = context.socket(kind)
        stack.callback(sock.close, linger=LINGER_MS)
        # libzmq reads these at bind time: they must come first.
        sock.setsockopt(zmq.LINGER, LINGER_MS)
        sock.setsockopt(zmq.IPV6, 1)
        for option, value in options.items():
            sock.setsockopt(option, value)
        if keys is not None:
            sock.curve_secretkey = keys.secret
            sock.curve_publickey = keys.public
            sock.curve_server = True
        try:
            sock.bind(endpoint)
        except zmq.ZMQError as exc:
            hint = (
                "another worker is probably running there: `dgx-pixels status` shows it, "
                "`dgx-pixels worker stop` stops it, or choose other ports with --rep/--pub"
                if exc.errno == errno.EADDRINUSE
                else "check the address in --rep/--pub or the [worker] section of the configuration"
            )
            raise StartupError(f"cannot bind {endpoint}: {exc.strerror}; {hint}") from None
        return sock

    def _lock_data_dir(self) -> TextIO:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            lock = (self.data_dir / "worker.lock").open("a+")
        except OSError as exc:
            raise StartupError(
                f"cannot use data directory {self.data_dir}: {exc.strerror}; pass --data-dir DIR"
            ) from None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.seek(0)
            owner = lock.read().strip() or "unknown"
            lock.close()
            raise StartupError(
                f"another worker (pid {owner}) already uses {self.data_dir}; "
                "stop it with `dgx-pixels worker stop` or pass another --data-dir"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        return lock

    def _install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop, f"signal {signal.Signals(sig).name}")

    def _greet(self, frames: list[bytes], publisher: EventPublisher, status: WorkerStatus) -> None:
        if frames[0][:1] == b"\x01":  # a subscription (0x00 would be an unsubscription)
            publisher.publish("worker.heartbeat", status.heartbeat())

    async def _heartbeats(self, publisher: EventPublisher, status: WorkerStatus, images: ImageStore) -> None:
        last_status = 0.0
        while True:
            publisher.publish("worker.heartbeat", status.heartbeat())
            try:
                images.catch_up(most=GALLERY_BATCH)  # so that a gallery read finds little left to index
            except WorkerError as exc:  # a full disk: the next gallery read or heartbeat tries again
                log.warning("gallery not indexed: %s", exc)
            if time.monotonic() - last_status >= self.settings.worker.status_every_s:
                last_status = time.monotonic()
                publisher.publish("worker.status", status.status())
            await asyncio.sleep(self.settings.worker.heartbeat_s)


def plain_endpoint(endpoint: str) -> str:
    """`tcp://[::ffff:127.0.0.1]:5556` (what an IPv6-enabled socket reports) as `tcp://127.0.0.1:5556`."""
    match = re.fullmatch(r"tcp://\[::ffff:([0-9.]+)\]:(\d+)", endpoint)
    return f"tcp://{match[1]}:{match[2]}" if match else endpoint
