"""The exit statuses of every `dgx-pixels` command, and how a command reports the error that ends it.

Plain Python (no pydantic, no ZeroMQ): the argument parser reports its errors through `report` too.
"""

from __future__ import annotations

import json
import sys
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1  # a job failed, or the worker refused because of how things stand (a finished job, a full queue)
EXIT_USAGE = 2  # a bad argument or configuration, whether this command or the worker caught it
EXIT_UNREACHABLE = 3  # no worker could be reached, or it does not let this key in

# The worker's error codes that mean "the request was wrong": the same argument would fail again anywhere.
USAGE_CODES = frozenset(
    {
        "invalid",
        "too_large",
        "unknown_model",
        "unknown_job",
        "ambiguous_job",
        "unknown_image",
        "unknown_comparison",
        "usage",
        "config",
    }
)
UNREACHABLE_CODES = frozenset({"timeout", "access_denied", "unreachable"})


def exit_for(code: str, details: dict[str, Any] | None = None) -> int:
    """The exit status for an error code. An `invalid` that names a `state` is a refusal of how things stand
    (a job still running, a comparison not finished), not a bad argument."""
    code = str(code)
    if code in UNREACHABLE_CODES:
        return EXIT_UNREACHABLE
    if code == "invalid" and details and "state" in details:
        return EXIT_FAILED
    return EXIT_USAGE if code in USAGE_CODES else EXIT_FAILED


class CommandError(Exception):
    """What ends a command early: a message a person can act on, a code a script can branch on, the exit status."""

    def __init__(
        self, message: str, code: str = "invalid", details: dict[str, Any] | None = None, exit: int | None = None
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or {}
        self.exit = exit_for(code, self.details) if exit is None else exit


def report(error: CommandError, as_json: bool) -> int:
    """Say why the command stops, on stderr, and with --json also as one JSON object on stdout; the exit status."""
    print(f"dgx-pixels: {error.message}", file=sys.stderr)
    if as_json:
        body = {"code": error.code, "message": error.message, "details": error.details}
        print(json.dumps({"error": body, "exit": error.exit}, default=str), flush=True)
    return error.exit
