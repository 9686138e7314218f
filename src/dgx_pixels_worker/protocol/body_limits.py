"""A cheap look at a request body before its model checks it: no list, map or text beyond generous bounds.

Full validation of a body with hundreds of thousands of bad items costs seconds of the event loop and an
error reply of megabytes, one entry per item. Every legitimate request is far inside these bounds (the
largest is a post-processing pipeline with palettes of 256 colours), so a body beyond them is refused at
once, with a short message naming where. The one larger value is the image a `generate` sends to be varied
(`init_png`), which has its own bound.
"""

from __future__ import annotations

from typing import Any

from .errors import ErrorCode, WorkerError
from .messages import MAX_UPLOAD_BYTES

MAX_ITEMS = 1024  # entries of one list or map
MAX_TEXT = 65536  # characters of one text, bytes of one binary value
MAX_DEPTH = 8  # lists and maps inside one another, below the body
MAX_VALUES = 20_000  # values in the whole body
LARGE_BINARIES = {
    ("generate", "init_png"): MAX_UPLOAD_BYTES,
    ("upload", "png"): MAX_UPLOAD_BYTES,
}  # (request type, field) -> bytes it may hold


def check_body(body: dict[str, Any], kind: str = "") -> None:
    """WorkerError(INVALID) naming the first place where the body of a `kind` request goes beyond the bounds;
    nothing otherwise."""
    values = 0
    stack: list[tuple[str, Any, int]] = [("", body, 0)]
    while stack:
        where, value, depth = stack.pop()
        values += 1
        if values > MAX_VALUES:
            _refuse(kind, "", f"the request holds more than {MAX_VALUES} values")
        if isinstance(value, bytes) and (kind, where) in LARGE_BINARIES:
            if len(value) > LARGE_BINARIES[kind, where]:
                most = LARGE_BINARIES[kind, where]
                _refuse(kind, where, f"{len(value)} bytes is more than the {most} this field may hold; send less")
        elif isinstance(value, (str, bytes)):
            if len(value) > MAX_TEXT:
                _refuse(kind, where, f"{len(value)} characters is more than the {MAX_TEXT} a request field may hold")
        elif isinstance(value, (list, tuple, dict)):
            if len(value) > MAX_ITEMS:
                _refuse(kind, where, f"{len(value)} items is more than the {MAX_ITEMS} a request list or map may hold")
            if depth >= MAX_DEPTH and value:
                _refuse(kind, where, f"nested deeper than {MAX_DEPTH} levels")
            if isinstance(value, dict):
                for key, item in value.items():
                    stack.append((_join(where, key), key, depth + 1))
                    stack.append((_join(where, key), item, depth + 1))
            else:
                stack.extend((_join(where, n), item, depth + 1) for n, item in enumerate(value))


def _join(where: str, key: object) -> str:
    text = str(key) if isinstance(key, (str, int)) else type(key).__name__
    return f"{where}.{text[:40]}" if where else text[:40]


def _refuse(kind: str, where: str, why: str) -> None:
    field = where or "body"
    what = f"{kind[:40]} request" if kind else "request"
    raise WorkerError(ErrorCode.INVALID, f"invalid {what}: {field}: {why}", {"field": field})
