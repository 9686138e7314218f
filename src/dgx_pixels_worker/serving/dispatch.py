"""From a request envelope to its handler: the body checked against its model, the protocol version checked
on hello, and the person who sent it, as the CurveZMQ handshake proved. The handlers live in
`*_requests.py`, one `on_<type>` method each."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from ..access.roster import Identity
from ..protocol import SUPPORTED_VERSIONS, Envelope, ErrorCode, WorkerError, validation_text
from ..protocol import messages as m
from ..protocol.body_limits import check_body


@dataclass(frozen=True)
class Peer:
    """Who sent a request: `user` and `admin` from the key the connection proved, `client` the program's name."""

    client: str = "unknown"
    user: str = ""
    admin: bool = False


class RequestDispatcher:
    """Checks each request's body against its model and hands it to the `on_<type>` method of the group that
    handles it, with the peer that sent it."""

    def __init__(self, groups: list[object], who: Callable[[str], Identity | None]):
        self._who = who
        self._clients: OrderedDict[bytes, str] = OrderedDict()
        self._table: dict[str, Callable[[Any, Envelope, Peer], BaseModel | Awaitable[BaseModel]]] = {}
        for name in m.REQUESTS:
            handlers = [getattr(group, f"on_{name}") for group in groups if hasattr(group, f"on_{name}")]
            if len(handlers) != 1:
                raise RuntimeError(f"request {name!r} needs exactly one handler, found {len(handlers)}")
            self._table[name] = handlers[0]

    def handle(
        self, identity: bytes, envelope: Envelope, sender: tuple[str, str] = ("", "")
    ) -> BaseModel | Awaitable[BaseModel]:
        """Validate the body and run its handler: a reply now, or an awaitable one for the few that wait.
        `sender` is the connection's user id and client name (see SenderSocket).

        Raises WorkerError for the error reply."""
        person = self._who(sender[0])
        if person is None:
            raise WorkerError(
                ErrorCode.ACCESS_DENIED,
                f"the access of {sender[0]!r} to this worker was revoked; ask its owner for a new grant",
            )
        entry = m.REQUESTS.get(envelope.type)
        if entry is None:
            raise WorkerError(
                ErrorCode.UNKNOWN_TYPE,
                f"unknown request type {envelope.type!r}; this worker knows: {', '.join(sorted(m.REQUESTS))}",
                {"type": envelope.type, "known": sorted(m.REQUESTS)},
            )
        check_body(envelope.body, envelope.type)  # huge lists are refused before validation spends seconds on them
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
            self._remember(identity, request.client[:64])
        client = sender[1] or self._clients.get(identity, "unknown")
        peer = Peer(client=client, user=person.name, admin=person.admin)
        return self._table[envelope.type](request, envelope, peer)

    def _remember(self, identity: bytes, client: str) -> None:
        """The name a client without handshake metadata gave in its hello (older clients)."""
        self._clients[identity] = client
        self._clients.move_to_end(identity)
        while len(self._clients) > 4096:
            self._clients.popitem(last=False)


def _validation_error(kind: str, exc: ValidationError) -> WorkerError:
    return WorkerError(
        ErrorCode.INVALID,
        f"invalid {kind} request: {validation_text.summary(exc, most=5)}",
        {"errors": validation_text.problems(exc)},
    )
