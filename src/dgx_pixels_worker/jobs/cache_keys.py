"""The key under which an image is remembered for reuse: the render identity of its preset and every
parameter that changes its pixels. Equal keys mean the same image (see Backend.render_identity)."""

from __future__ import annotations

import hashlib
import json

from .params import SpriteParams

PIXEL_PARAMETERS = frozenset({"prompt", "negative", "width", "height", "steps", "cfg", "postprocess"})


def cache_key(identity: str, params: SpriteParams, seed: int) -> str:
    """A hex digest of the identity, the image's own seed and the parameters in PIXEL_PARAMETERS."""
    payload = {"identity": identity, "seed": seed, **params.model_dump(mode="json", include=set(PIXEL_PARAMETERS))}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
