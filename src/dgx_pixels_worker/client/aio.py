"""The asyncio client: one DEALER for requests (replies matched by id), SUB sockets for events."""

from __future__ import annotations

import asyncio
import getpass
import ipaddress
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import zmq
from pydantic import BaseModel
from zmq.utils.monitor import parse_monitor_message

from ..protocol import Envelope, ErrorCode, WorkerError, decode, new_id
from ..protocol import messages as m
from ..serving.loop_socket import CLIENT_PROPERTY, LoopSocket
from ..settings import paths
from ..settings.config import Settings
from .credentials import Credentials, load_credentials, refused, someone_elses
from .events import EventStream

SUB_HWM = 2_048  # as the worker's: a client that stops reading holds at most this many events
HANDSHAKE_EVENTS = zmq.EVENT_HANDSHAKE_FAILED_AUTH


class AsyncClient:
    def __init__(
        self,
        address: str,
        *,
        events: str = "",
        timeout: float = 5.0,
        name: str = "dgx-pixels",
        user: str | None = None,
        keys_dir: Path | None = None,
        worker_key: str = "",
        secure: bool = True,
    ):
        self.address = address
        self.events_override = events
        self.timeout = timeout
        self.name = name
        self.user = user if user is not None else _user()
        self.keys_dir = keys_dir or paths.config_home() / "keys"
        self.worker_key = worker_key
        self.secure = secure
        self.credentials: Credentials | None = None  # read when the first socket is made
        self.context = zmq.Context()
        self.hello_reply: m.HelloReply | None = None
        self._introduction: asyncio.Future[m.HelloReply] | None = None  # the hello under way, shared by callers
        self._dealer: LoopSocket | None = None
        self._handshakes: LoopSocket | None = None
        self._pending: dict[str, asyncio.Future[Envelope]] = {}

    @classmethod
    def from_settings(cls, settings: Settings, address: str | None = None, name: str = "dgx-pixels") -> AsyncClient:
        return cls(
            address or settings.connect_address(),
            events=settings.client.events,
            timeout=settings.client.timeout_s,
            name=name,
            keys_dir=settings.security.resolved_keys_dir(),
            worker_key=settings.client.worker_key,
            secure=settings.security.enabled,
        )

    # ------------------------------------------------------------ sockets

    def new_socket(self, kind: int) -> zmq.Socket[bytes]:
        """A socket with this client's name and keys; WorkerError(ACCESS_DENIED) when the worker's key is unknown."""
        if self.secure and self.credentials is None:
            self.credentials = load_credentials(self.address, self.keys_dir, self.worker_key)
        sock = self.context.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.IPV6, 1)
        sock.setsockopt(zmq.METADATA, f"{CLIENT_PROPERTY}:{self.name[:64]}".encode())
        if self.credentials is not None:
            sock.curve_serverkey = self.credentials.worker
            sock.curve_publickey = self.credentials.client.public
            sock.curve_secretkey = self.credentials.client.secret
        return sock

    def _ensure_dealer(self) -> LoopSocket:
        if self._dealer is None:
            sock = self.new_socket(zmq.DEALER)
            if self.secure:
                self._handshakes = LoopSocket(sock.get_monitor_socket(HANDSHAKE_EVENTS), self._on_handshake)
            sock.connect(self.address)
            self._dealer = LoopSocket(sock, self._on_reply)
        return self._dealer

    def _on_handshake(self, frames: list[bytes]) -> None:
        """A worker that turns this key away fails the requests waiting, at once and with the fix."""
        if parse_monitor_message(frames)["event"] != zmq.EVENT_HANDSHAKE_FAILED_AUTH:
            return
        for future in self._pending.values():
            if not future.done():
                future.set_exception(WorkerError(ErrorCode.ACCESS_DENIED, refused(self.address, self.keys_dir)))

    def _on_reply(self, frames: list[bytes]) -> None:
        try:
            envelope = decode(frames[-1])
        except WorkerError:
            return
        future = self._pending.pop(envelope.re or "", None)
        if future is not None and not future.done():
            future.set_result(envelope)  # replies to requests that already timed out are dropped

    async def close(self) -> None:
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        if self._dealer is not None:
            if self._handshakes is not None:
                self._dealer.socket.disable_monitor()
                self._handshakes.close()
                self._handshakes = None
            self._dealer.close()
            self._dealer = None
        self.context.destroy(linger=0)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------ requests

    async def request(
        self,
        kind: str,
        body: dict[str, Any] | BaseModel | None = None,
        *,
        timeout: float | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """Send one request and return the reply body; raise WorkerError for an error reply or a timeout.

        The first request of a client is preceded by `hello`, so the worker knows who asks (the user and
        client name it records on jobs, comparisons and votes) whichever request comes first.

        `request_id` is the envelope's id (a new one when None). A request that timed out may have been carried
        out all the same: send it again with the id its TIMEOUT error names (`details["request_id"]`), and
        `generate`, `retry` and `compare` answer with what the first one made instead of making it twice."""
        if kind != "hello" and self.hello_reply is None:
            if self._introduction is None:
                self._introduction = asyncio.ensure_future(self.hello(timeout))
            try:
                await asyncio.shield(self._introduction)
            except WorkerError:
                self._introduction = None  # try again with the next request
                raise
        payload = body.model_dump(mode="python", exclude_none=True) if isinstance(body, BaseModel) else (body or {})
        envelope = Envelope(type=kind, body=payload, id=request_id or new_id())
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Envelope] = loop.create_future()
        self._pending[envelope.id] = future
        dealer = self._ensure_dealer()
        deadline = loop.call_later(timeout or self.timeout, _expire, future)
        try:
            dealer.send([envelope.encode()])
            reply = await future
        except (TimeoutError, zmq.Again):
            if self.secure and (held := someone_elses(self.address)):
                raise WorkerError(ErrorCode.ACCESS_DENIED, held, {"address": self.address}) from None
            raise WorkerError(
                ErrorCode.TIMEOUT,
                f"the worker at {self.address} did not answer {kind!r} within {timeout or self.timeout:g}s; "
                "is it running? (`dgx-pixels worker` starts one)",
                {"address": self.address, "request_id": envelope.id},
            ) from None
        finally:
            deadline.cancel()
            self._pending.pop(envelope.id, None)
        if reply.type == m.ERROR_TYPE:
            raise WorkerError(
                reply.body.get("code", "internal"), reply.body.get("message", "error"), reply.body.get("details")
            )
        return reply.body

    async def call(
        self,
        kind: str,
        body: dict[str, Any] | BaseModel | None = None,
        *,
        timeout: float | None = None,
        request_id: str | None = None,
    ) -> Any:
        """Like request, with the reply validated into its model."""
        reply = await self.request(kind, body, timeout=timeout, request_id=request_id)
        return m.REQUESTS[kind][1].model_validate(reply)

    async def hello(self, timeout: float | None = None) -> m.HelloReply:
        reply: m.HelloReply = await self.call(
            "hello", m.HelloRequest(client=self.name, user=self.user, capabilities=["events.seq"]), timeout=timeout
        )
        self.hello_reply = reply
        return reply

    async def ping(self, timeout: float | None = None) -> m.PingReply:
        return await self.call("ping", timeout=timeout)

    async def generate(self, prompt: str, **params: Any) -> m.JobInfo:
        """Queue a job. `request_id=` the id of one whose reply timed out: the job that one made, if it did."""
        request_id = params.pop("request_id", None)
        request = m.GenerateRequest(prompt=prompt, **params)
        reply: m.JobReply = await self.call("generate", request, request_id=request_id)
        return reply.job

    async def cancel(self, job_id: str) -> m.JobInfo:
        return (await self.call("cancel", {"job_id": job_id})).job

    async def retry(self, job_id: str, request_id: str | None = None) -> m.JobInfo:
        return (await self.call("retry", {"job_id": job_id}, request_id=request_id)).job

    async def job(self, job_id: str) -> m.JobInfo:
        return (await self.call("job", {"job_id": job_id})).job

    async def jobs(self, states: list[m.JobState] | None = None, limit: int = 200) -> m.JobsReply:
        body: dict[str, Any] = {"limit": limit}
        if states:
            body["states"] = [str(s) for s in states]
        return await self.call("jobs", body)

    async def set_priority(self, job_id: str, priority: int) -> m.JobInfo:
        """Move a queued job: higher runs first."""
        return (await self.call("priority", {"job_id": job_id, "priority": priority})).job

    async def image(
        self, image_id: str, include_bytes: bool = True, max_px: int | None = None, raw: bool = False
    ) -> m.ImageReply:
        """One image; with `max_px`, `png` is shrunk to fit (integer factor, nearest neighbour), `image` is unchanged;
        with `raw`, the render before post-processing."""
        body: dict[str, Any] = {"image_id": image_id, "include_bytes": include_bytes, "raw": raw}
        if max_px is not None:
            body["max_px"] = max_px
        return await self.call("image", body, timeout=max(self.timeout, 30))

    async def images(
        self,
        query: str = "",
        model: str | None = None,
        tag: str | None = None,
        limit: int = 60,
        before: float | None = None,
    ) -> m.ImagesReply:
        """Stored images, newest first; the next page is `before=reply.images[-1].created_at`."""
        return await self.call("images", m.ImagesRequest(query=query, model=model, tag=tag, limit=limit, before=before))

    async def models(self) -> list[m.ModelInfo]:
        return (await self.call("models")).models

    async def model_library(self) -> m.ModelsReply:
        """The models with the presets and workflows that were refused at load."""
        return await self.call("models")

    async def palettes(self) -> list[m.PaletteInfo]:
        """The worker's palette library: the shipped palettes and its owner's files."""
        return (await self.call("palettes")).palettes

    async def status(self) -> m.StatusReply:
        return await self.call("status")

    async def compare(self, prompt: str, models: list[str], **params: Any) -> m.ComparisonInfo:
        """One prompt and seed through 2-4 presets; the panels come shuffled, cached images already filled in.
        `request_id=` the id of one whose reply timed out: the comparison that one made, if it did."""
        request_id = params.pop("request_id", None)
        request = m.CompareRequest(prompt=prompt, models=models, **params)
        reply: m.CompareReply = await self.call("compare", request, request_id=request_id)
        return reply.comparison

    async def comparison(self, comparison_id: str) -> m.ComparisonInfo:
        return (await self.call("comparison", {"comparison_id": comparison_id})).comparison

    async def open_comparisons(self, tag: str | None = None, limit: int = 32) -> list[m.ComparisonInfo]:
        """The comparisons this person has not voted on yet, oldest first (`tag`: only those tagged so)."""
        return (await self.call("open_comparisons", m.OpenComparisonsRequest(tag=tag, limit=limit))).comparisons

    async def vote(self, comparison_id: str, outcome: str, winner: int | None = None) -> m.VoteReply:
        """outcome: win (with the winning panel, 0-based), tie, both_bad or skip."""
        body: dict[str, Any] = {"comparison_id": comparison_id, "outcome": outcome}
        if winner is not None:
            body["winner"] = winner
        return await self.call("vote", body, timeout=max(self.timeout, 30))

    async def votes(self, after_id: int = 0, limit: int = 1000) -> m.VotesReply:
        """Votes oldest first; the next page is `after_id=reply.votes[-1].id`."""
        return await self.call("votes", {"after_id": after_id, "limit": limit})

    async def leaderboard(self, tag: str | None = None, rounds: int = 200) -> m.LeaderboardReply:
        return await self.call("leaderboard", {"tag": tag, "rounds": rounds}, timeout=max(self.timeout, 60))

    async def upload(self, png: bytes) -> m.UploadReply:
        """Send an image from this machine (PNG, JPEG, WebP or GIF bytes); the worker keeps it under its hash and
        answers the id a dataset item or a variation names it by ("upload:<sha256>")."""
        return await self.call("upload", m.UploadRequest(png=png), timeout=max(self.timeout, 30))

    async def dataset(
        self,
        images: Sequence[m.DatasetItem | dict[str, Any]] = (),
        query: str | None = None,
        winners: str | None = None,
    ) -> m.DatasetReply:
        """What `train` would train on: each image with its caption and size, and what stops it, if anything."""
        request = m.DatasetRequest(images=[_dataset_item(item) for item in images], query=query, winners=winners)
        return await self.call("dataset", request, timeout=max(self.timeout, 30))

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
    ) -> m.JobInfo:
        """Queue a training job: a LoRA on `base`'s checkpoint, preset `name` when done. `request_id=` the id of one
        whose reply timed out: the job that one made, if it did."""
        request = m.TrainRequest(
            name=name,
            base=base,
            images=[_dataset_item(item) for item in images],
            query=query,
            winners=winners,
            steps=steps,
            rank=rank,
            learning_rate=learning_rate,
            seed=seed,
            size=size,
            priority=priority,
        )
        reply: m.JobReply = await self.call("train", request, timeout=max(self.timeout, 30), request_id=request_id)
        return reply.job

    async def trained(self, name: str | None = None, loss_curve: bool = False) -> list[m.TrainedInfo]:
        """The presets this worker trained (or the one named), with their provenance and verdict against the base;
        with `loss_curve`, each with its loss curve's PNG."""
        return (await self.call("trained", m.TrainedRequest(name=name, loss_curve=loss_curve))).trained

    async def evaluate(
        self, model: str, prompts: Sequence[str] = (), rounds: int = 8, seed: int | None = None
    ) -> list[m.ComparisonInfo]:
        """Blind comparisons of trained preset `model` against its base, one seed per prompt (the dataset's
        captions when none are given, `rounds` of them)."""
        request = m.EvaluateRequest(model=model, prompts=list(prompts), rounds=rounds, seed=seed)
        return (await self.call("evaluate", request, timeout=max(self.timeout, 30))).comparisons

    async def shutdown(self, reason: str = "") -> m.ShutdownReply:
        return await self.call("shutdown", {"reason": reason})

    # ------------------------------------------------------------ events

    async def events_address(self) -> str:
        if self.events_override:
            return self.events_override
        hello = self.hello_reply or await self.hello()
        return events_endpoint_for(self.address, hello.events, hello.commands)

    def events(self, *, previews: bool = False, silence_s: float = 5.0) -> EventStream:
        """A stream of events that resynchronises by itself; see EventStream."""
        return EventStream(self, previews=previews, silence_s=silence_s)

    def subscriber(self, address: str, topics: list[str]) -> zmq.Socket[bytes]:
        sock = self.new_socket(zmq.SUB)
        sock.setsockopt(zmq.RCVHWM, SUB_HWM)
        for topic in topics:
            sock.setsockopt(zmq.SUBSCRIBE, topic.encode())
        try:
            sock.connect(address)
        except zmq.ZMQError as exc:
            sock.close()
            raise WorkerError(
                ErrorCode.INVALID,
                f"cannot subscribe to events at {address!r} ({exc.strerror}); give the events address as "
                "tcp://HOST:PORT (--events, DGX_PIXELS_EVENTS or [client] events)",
                {"address": address},
            ) from None
        return sock


def _dataset_item(item: m.DatasetItem | dict[str, Any]) -> m.DatasetItem:
    return item if isinstance(item, m.DatasetItem) else m.DatasetItem.model_validate(item)


def _expire(future: asyncio.Future[Envelope]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


WILDCARD_HOSTS = ("", "*", "0.0.0.0", "::")


def events_endpoint_for(command_address: str, announced: str, announced_commands: str = "") -> str:
    """Where to subscribe, from the command address this client uses and what the worker announces in `hello`
    (`events`, and `commands` from workers that announce it).

    Through a forward (the command port is not the worker's own), the events port is the one forwarded beside
    it: the command port plus the worker's distance between its two ports, on the command host. Reaching the
    worker's own port on a loopback address, the announced events address is used as it is, so commands on
    `[::1]` and events on 127.0.0.1 each keep their family. Otherwise (another host name, a wildcard bind) the
    announced port goes on the command host. Anything not tcp:// is used as announced."""
    if not announced.startswith("tcp://") or not command_address.startswith("tcp://"):
        return announced
    connect_host, connect_port = _host_port(command_address)
    events_host, events_port = _host_port(announced)
    commands_port = _host_port(announced_commands)[1] if announced_commands.startswith("tcp://") else None
    if events_port is None:
        return announced
    if connect_port is not None and commands_port is not None and connect_port != commands_port:
        port = connect_port + events_port - commands_port  # ports forwarded in pairs (ssh -L, docker -p)
        host = connect_host
    else:
        port = events_port
        direct = _loopback_host(connect_host) and _loopback_host(events_host)
        host = events_host if direct else connect_host
    if host in WILDCARD_HOSTS:
        host = connect_host or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"tcp://{host}:{port}"


def _host_port(endpoint: str) -> tuple[str, int | None]:
    """The host (brackets off, an IPv4-mapped address as plain IPv4) and port of a tcp:// endpoint."""
    rest = endpoint.partition("://")[2]
    host, _, port_text = rest.rpartition(":")
    host = host.strip("[]")
    mapped = re.fullmatch(r"::ffff:([0-9.]+)", host, re.IGNORECASE)
    if mapped:
        host = mapped[1]
    return host, int(port_text) if port_text.isdigit() else None


def _loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"
