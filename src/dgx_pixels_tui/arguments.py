"""Checks a command makes before it asks the worker for anything: the request's fields, named by the flags the
user typed, and the folder it will write into. Each failure is a CommandError (exit 2) that says what to do."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .exit_codes import EXIT_USAGE, CommandError

M = TypeVar("M", bound=BaseModel)

# Request fields as the command line names them.
FLAGS = {
    "prompt": "the prompt",
    "negative": "--negative",
    "model": "--model",
    "models": "--models",
    "count": "--count",
    "seed": "--seed",
    "width": "--size",
    "height": "--size",
    "steps": "--steps",
    "cfg": "--cfg",
    "priority": "--priority",
    "tags": "--tags",
    "postprocess": "--post",
}


def checked_request(request_type: type[M], typed: dict[str, str], /, **fields: Any) -> M:
    """`request_type` built from `fields`; a value it refuses is reported by its flag and the text typed for it
    (`typed`, by field: "--size 0x0"), e.g. "--count 0: must be at least 1"."""
    try:
        return request_type(**fields)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            field = str(error["loc"][0]) if error["loc"] else ""
            flag = FLAGS.get(field, field)
            shown = typed.get(field)
            where = f"{flag} {shown}" if shown is not None and flag.startswith("--") else flag
            axis = f"the {field} " if field in ("width", "height") else ""
            problems.append(f"{where}: {axis}{_plainly(error)}")
        raise CommandError("; ".join(dict.fromkeys(problems)), "invalid", {"fields": _fields(exc)}) from None


def _plainly(error: Any) -> str:
    context = error.get("ctx") or {}
    kind = error["type"]
    if kind == "greater_than_equal":
        return f"must be at least {context['ge']}"
    if kind == "less_than_equal":
        return f"must be at most {context['le']}"
    if kind == "greater_than":
        return f"must be more than {context['gt']}"
    if kind == "less_than":
        return f"must be less than {context['lt']}"
    message = str(error["msg"])
    return message[:1].lower() + message[1:]


def _fields(exc: ValidationError) -> list[str]:
    return list(dict.fromkeys(".".join(str(p) for p in error["loc"]) for error in exc.errors()))


def check_out_folder(path: Path, flag: str = "--out", typed: str | None = None) -> None:
    """Refuse, before any work is queued, a folder the files could not be written into: one that is a file,
    lies under a file, or cannot be written. A missing folder is fine when it can be made (it is, on saving).
    `typed` is what the user gave when that names a file in `path` (`sheet --out sheets/walk.png`)."""
    shown = f"{flag} {typed or path}"
    details = {"field": flag, "path": str(typed or path)}
    if path.exists() and not path.is_dir():
        fix = "choose another place" if typed else f"{flag} names the folder the files go into, e.g. {flag} sprites/"
        raise CommandError(f"{shown}: {path} is a file, not a folder; {fix}", "invalid", details, EXIT_USAGE)
    existing = path
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise CommandError(
            f"{shown}: {existing} is a file, so no folder can be made under it; choose another place",
            "invalid",
            details,
            EXIT_USAGE,
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        made = "write in" if existing == path else f"make {path} in"
        raise CommandError(
            f"{shown}: you may not {made} {existing}; choose a folder you can write to", "invalid", details, EXIT_USAGE
        )
