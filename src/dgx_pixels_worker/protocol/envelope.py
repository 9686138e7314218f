"""The one envelope every message travels in, and its MsgPack encoding.

An envelope is a MsgPack map:
    v     protocol version (int)
    type  message type (str)
    id    unique id of this message (str)
    re    id of the request this message answers or was caused by (str or nil)
    ts    sender's clock, Unix seconds (float)
    body  type-specific map
Events add `seq` (int, per worker run) and `epoch` (str, changes when the worker restarts).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import msgpack

from .errors import ErrorCode, WorkerError

PROTOCOL_VERSION = 1
SUPPORTED_VERSIONS = (1,)


def new_id() -> str:
    return os.urandom(8).hex()


@dataclass(slots=True)
class Envelope:
    type: str
    body: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=new_id)
    re: str | None = None
    ts: float = field(default_factory=time.time)
    v: int = PROTOCOL_VERSION
    seq: int | None = None
    epoch: str | None = None

    def encode(self) -> bytes:
        data: dict[str, Any] = {
            "v": self.v,
            "type": self.type,
            "id": self.id,
            "re": self.re,
            "ts": self.ts,
            "body": self.body,
        }
        if self.seq is not None:
            data["seq"] = self.seq
            data["epoch"] = self.epoch
        return msgpack.packb(data, use_bin_type=True)


def decode(frame: bytes) -> Envelope:
    """Decode one frame; raise WorkerError(MALFORMED or UNSUPPORTED_VERSION) with the reason."""
    try:
        data = msgpack.unpackb(frame, raw=False, strict_map_key=True)
    except UnicodeDecodeError as exc:
        raise WorkerError(
            ErrorCode.MALFORMED,
            "a str in the message is not valid UTF-8; send text as UTF-8 str and raw bytes as bin "
            "(see docs/protocol.md, MsgPack types)",
            {"reason": str(exc)[:200]},
        ) from None
    except Exception as exc:  # msgpack raises several unrelated types
        raise WorkerError(
            ErrorCode.MALFORMED,
            "the message is not valid MsgPack; send one MsgPack map per frame (see docs/protocol.md)",
            {"reason": str(exc)[:200]},
        ) from None
    if not isinstance(data, dict):
        raise WorkerError(ErrorCode.MALFORMED, "the message must be a MsgPack map with v, type, id and body")
    version = data.get("v")
    if type(version) is not int or version not in SUPPORTED_VERSIONS:
        raise WorkerError(
            ErrorCode.UNSUPPORTED_VERSION,
            f"protocol version {version!r} is not supported by this worker; upgrade the older side "
            f"(this worker speaks {', '.join(map(str, SUPPORTED_VERSIONS))})",
            {"supported": list(SUPPORTED_VERSIONS), "received": version},
        )
    kind, ident, body = data.get("type"), data.get("id"), data.get("body", {})
    if not isinstance(kind, str) or not kind:
        raise WorkerError(ErrorCode.MALFORMED, "the envelope has no `type` string")
    if not isinstance(ident, str) or not ident or len(ident) > 128:
        raise WorkerError(ErrorCode.MALFORMED, "the envelope needs an `id` string of 1..128 characters")
    if not isinstance(body, dict):
        raise WorkerError(ErrorCode.MALFORMED, "the envelope `body` must be a map")
    re = data.get("re")
    ts = data.get("ts")
    return Envelope(
        type=kind,
        body=body,
        id=ident,
        re=re if isinstance(re, str) else None,
        ts=float(ts) if isinstance(ts, (int, float)) else time.time(),
        v=version,
        seq=data.get("seq") if isinstance(data.get("seq"), int) else None,
        epoch=data.get("epoch") if isinstance(data.get("epoch"), str) else None,
    )


def peek_id(frame: bytes) -> str | None:
    """Best effort: the request id of a frame that failed to decode, so the error reply can name it.

    The id is read whenever it is itself readable: a str of valid UTF-8 in a MsgPack map, even when another str of
    the frame is not valid UTF-8, a map key is not a str, or bytes follow the map."""
    try:
        data = msgpack.unpackb(frame, raw=False, strict_map_key=False, unicode_errors="surrogateescape")
    except msgpack.ExtraData as extra:  # a whole map, then trailing bytes
        data = getattr(extra, "unpacked", None)  # set by msgpack, missing from its stubs
    except Exception:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return None
    ident: str = data["id"]
    try:
        ident.encode("utf-8")  # surrogates stand for bytes that were not UTF-8: that id is not readable
    except UnicodeEncodeError:
        return None
    return ident[:128]
