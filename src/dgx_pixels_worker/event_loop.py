"""Running a coroutine on the fastest event loop available: uvloop where installed, asyncio otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:  # platforms without a uvloop wheel
        return asyncio.run(main)
    return uvloop.run(main)
