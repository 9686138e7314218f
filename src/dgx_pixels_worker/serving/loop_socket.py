"""A plain ZeroMQ socket driven by the asyncio loop's reader callback.

pyzmq's asyncio sockets allocate a Future and take extra loop turns for every message; on a busy two-core
machine that doubled the request round trip. Here each ready message is handed to a callback at once, in
a batch, and sends go straight to libzmq.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import zmq

log = logging.getLogger(__name__)
BATCH = 256  # messages handled per loop turn before other callbacks get their turn
# Plain ints: pyzmq's getsockopt wraps EVENTS in a Flag enum, which costs more than the call itself.
_EVENTS, _POLLIN, _NOBLOCK = int(zmq.EVENTS), int(zmq.POLLIN), int(zmq.NOBLOCK)


class LoopSocket:
    def __init__(self, socket: zmq.Socket[bytes], on_message: Callable[[list[bytes]], None]):
        self.socket = socket
        self.on_message = on_message
        self.loop = asyncio.get_running_loop()
        self._fd = int(socket.getsockopt(zmq.FD))
        self.loop.add_reader(self._fd, self._drain)
        self.loop.call_soon(self._drain)  # messages may be waiting already

    def _drain(self) -> None:
        sock = self.socket
        for _ in range(BATCH):
            # ZMQ_FD is edge-triggered: keep reading until EVENTS says the queue is empty.
            if sock.closed or not int(sock.get(_EVENTS)) & _POLLIN:
                return
            frames = self._receive()
            try:
                self.on_message(frames)
            except Exception:
                log.exception("message handler failed")
        self.loop.call_soon(self._drain)

    def _receive(self) -> list[bytes]:
        return self.socket.recv_multipart(_NOBLOCK)

    def send(self, frames: list[bytes]) -> None:
        """Send without blocking; raise zmq.Again when the peer's queue is full."""
        self.socket.send_multipart(frames, _NOBLOCK)
        # A send can consume the edge that announced incoming messages: look once, drain on the next turn.
        if int(self.socket.get(_EVENTS)) & _POLLIN:
            self.loop.call_soon(self._drain)

    def close(self, linger: int = 0) -> None:
        if not self.socket.closed:
            self.loop.remove_reader(self._fd)
            self.socket.close(linger=linger)


class SenderSocket(LoopSocket):
    """A LoopSocket that also notes who sent the message being handled: `sender` holds the name the ZAP
    handler gave the connection ("" without CurveZMQ) and the client program's name from the handshake."""

    sender: tuple[str, str] = ("", "")

    def _receive(self) -> list[bytes]:
        frames = self.socket.recv_multipart(_NOBLOCK, copy=False)
        last = frames[-1]
        self.sender = (_property(last, "User-Id"), _property(last, CLIENT_PROPERTY))
        return [frame.bytes for frame in frames]


CLIENT_PROPERTY = "X-Client"  # set by clients with ZMQ_METADATA, so it survives every reconnect


def _property(frame: zmq.Frame, name: str) -> str:
    try:
        return str(frame.get(name))[:64]
    except zmq.ZMQError:  # not sent by this peer
        return ""
