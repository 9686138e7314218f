"""Reaching the worker from a command: settings, spawning a local worker, and printing errors."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from dgx_pixels_worker import event_loop
from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.client.spawn import (
    SpawnError,
    can_spawn,
    listening,
    spawn_worker,
)
from dgx_pixels_worker.protocol import ErrorCode, WorkerError, validation_text
from dgx_pixels_worker.settings.config import ConfigError, Settings, load_settings

from .exit_codes import (  # noqa: F401 (commands take them from here)
    EXIT_FAILED,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    CommandError,
    exit_for,
    report,
)

T = TypeVar("T")


def err(message: str) -> None:
    print(f"dgx-pixels: {message}", file=sys.stderr)


def fail(
    args: argparse.Namespace,
    message: str,
    exit: int = EXIT_USAGE,
    code: str | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Report why a command stops (also as JSON on stdout with --json) and return its exit status."""
    code = code or {EXIT_USAGE: "invalid", EXIT_UNREACHABLE: "unreachable"}.get(exit, "failed")
    return report(CommandError(message, code, details, exit), bool(getattr(args, "json", False)))


def worker_failure(args: argparse.Namespace, exc: WorkerError) -> int:
    """A worker's error (or the client library's: timeout, access_denied) with the exit status its code means."""
    code = str(exc.code)
    return report(CommandError(exc.message, code, exc.details), bool(getattr(args, "json", False)))


def load(args: argparse.Namespace) -> Settings:
    config = Path(args.config) if getattr(args, "config", None) else None
    return load_settings(config, overrides={"client": {"events": getattr(args, "events", None)}})


def address_of(args: argparse.Namespace, settings: Settings) -> str:
    return getattr(args, "connect", None) or getattr(args, "rep", None) or settings.connect_address()


def ensure_worker(args: argparse.Namespace, settings: Settings, report: Callable[[str], None] = err) -> str:
    """The address to talk to, after starting a local worker there if none listens and spawning is allowed;
    `report` hears about the start (not when another command started the worker first: that one is used)."""
    address = address_of(args, settings)
    if listening(address) or not can_spawn(address):
        return address
    if getattr(args, "no_spawn", False) or not settings.client.spawn:
        raise WorkerError(
            ErrorCode.TIMEOUT,
            f"no worker answers at {address}; start one with `dgx-pixels worker` (or drop --no-spawn)",
        )
    config = Path(args.config) if getattr(args, "config", None) else None
    spawned = spawn_worker(address, settings, config)
    if spawned.started:
        report(f"started a local worker at {spawned.rep} (pid {spawned.pid}; log {spawned.log_path})")
    return address


def run_client(
    args: argparse.Namespace, body: Callable[[AsyncClient, Settings], Awaitable[int]], *, spawn: bool = True
) -> int:
    """Load settings, reach the worker, run `body`, and turn every failure into a message and an exit code."""
    try:
        settings = load(args)
        address = ensure_worker(args, settings) if spawn else address_of(args, settings)
    except ConfigError as exc:
        return fail(args, str(exc), EXIT_USAGE, "config")
    except SpawnError as exc:
        return fail(args, str(exc), EXIT_UNREACHABLE, "unreachable")
    except WorkerError as exc:
        return worker_failure(args, exc)

    async def go() -> int:
        client = AsyncClient.from_settings(settings, address)
        if getattr(args, "timeout", None):
            client.timeout = args.timeout
        try:
            return await body(client, settings)
        finally:
            if client.credentials is not None and client.credentials.created is not None:
                err(f"made your key pair; your public key is {client.credentials.created}")
            await client.close()

    try:
        return event_loop.run(go())
    except WorkerError as exc:
        return worker_failure(args, exc)
    except CommandError as exc:
        return report(exc, bool(getattr(args, "json", False)))
    except ValidationError as exc:  # a request the client library refused to build: checked here as a backstop
        return fail(args, f"invalid request: {validation_text.summary(exc, most=5)}", EXIT_USAGE, "invalid")


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    raise TypeError(f"cannot encode {type(value).__name__}")


def dump(model: Any) -> Any:
    return model.model_dump(mode="json")
