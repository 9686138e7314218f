"""Deterministic random generators derived from the request, never from Python's salted hash()."""

from __future__ import annotations

import hashlib

import numpy as np

from .version import GENERATOR_VERSION


def digest(*parts: object) -> bytes:
    text = "\x1f".join(str(p) for p in (GENERATOR_VERSION, *parts))
    return hashlib.sha256(text.encode("utf-8")).digest()


def rng_for(*parts: object) -> np.random.Generator:
    return np.random.default_rng(int.from_bytes(digest(*parts), "little"))


def index_for(count: int, *parts: object) -> int:
    """A stable choice in range(count) that depends only on `parts`."""
    return int.from_bytes(digest(*parts)[:8], "little") % count
