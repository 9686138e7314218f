"""Running a coroutine on the fastest event loop available: uvloop where installed, asyncio otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

try:
    import uvloop
except ImportError:  # platforms without a uvloop wheel
    uvloop = None


def run(main: Coroutine[Any, Any, T]) -> T:
    if uvloop is not None:
        return uvloop.run(main)
    return asyncio.run(main)
