"""The command socket: receive a request frame, hand it to its handler, send exactly one reply.

Quick handlers answer inside the socket callback; the few that wait (reading an image file, emitting test
events) run as tasks and reply when they finish, so one slow request never holds up another client.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import zmq
from pydantic import BaseModel

from ..protocol import Envelope, ErrorCode, WorkerError, decode
from ..protocol.envelope import peek_id
from ..protocol.messages import ERROR_TYPE
from .dispatch import RequestDispatcher
from .loop_socket import SenderSocket

log = logging.getLogger(__name__)


class CommandServer:
    def __init__(
        self, open_socket: Callable[[], zmq.Socket[bytes]], dispatcher: RequestDispatcher, max_message_bytes: int
    ):
        self.dispatcher = dispatcher
        self.max_message_bytes = max_message_bytes
        self._pending: set[asyncio.Task[None]] = set()
        self._open = open_socket
        self.socket = SenderSocket(open_socket(), self.on_message)

    async def reopen(self, attempts: int = 50) -> None:
        """Close the socket, dropping every connection and what it held, and bind a new one at the same address."""
        self.socket.close(0)
        for attempt in range(attempts):
            try:
                self.socket = SenderSocket(self._open(), self.on_message)
                return
            except Exception:  # the old listener is still closing in libzmq's I/O thread
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(0.05)

    def on_message(self, frames: list[bytes]) -> None:
        if len(frames) < 2:
            return  # an identity with no payload carries no request to answer
        identity, route, payload = frames[0], frames[:-1], frames[-1]
        request_id = None
        try:
            if len(payload) > self.max_message_bytes:
                raise WorkerError(
                    ErrorCode.TOO_LARGE,
                    f"the request is {len(payload)} bytes; the limit is {self.max_message_bytes}",
                    {"limit": self.max_message_bytes},
                )
            envelope = decode(payload)
            request_id = envelope.id
            result = self.dispatcher.handle(identity, envelope, self.socket.sender)
        except WorkerError as exc:
            self._send(route, error_reply(exc, request_id or peek_id(payload)))
            return
        except Exception as exc:
            log.exception("request failed")
            self._send(route, error_reply(_internal(exc), request_id))
            return
        if isinstance(result, BaseModel):
            self._send(route, _reply(envelope, result))
        else:
            task = asyncio.create_task(self._finish(route, envelope, result))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _finish(self, route: list[bytes], envelope: Envelope, pending: Awaitable[BaseModel]) -> None:
        try:
            self._send(route, _reply(envelope, await pending))
        except WorkerError as exc:
            self._send(route, error_reply(exc, envelope.id))
        except Exception as exc:
            log.exception("request failed")
            self._send(route, error_reply(_internal(exc), envelope.id))

    def _send(self, route: list[bytes], reply: bytes) -> None:
        try:
            self.socket.send([*route, reply])
        except zmq.Again:
            log.warning("dropped a reply: the client is not reading its replies")

    def close(self, linger: int) -> None:
        for task in self._pending:
            task.cancel()
        self.socket.close(linger)


def _reply(envelope: Envelope, body: BaseModel) -> bytes:
    return Envelope(type=envelope.type, body=body.model_dump(mode="python"), re=envelope.id).encode()


def _internal(exc: Exception) -> WorkerError:
    return WorkerError(ErrorCode.INTERNAL, f"internal error: {exc!r}; see the worker log")


def error_reply(error: WorkerError, request_id: str | None) -> bytes:
    return Envelope(type=ERROR_TYPE, body=error.to_body(), re=request_id).encode()
