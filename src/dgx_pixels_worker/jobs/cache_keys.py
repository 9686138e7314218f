"""The key under which an image is remembered for reuse: the render identity of its preset and every
parameter that changes its pixels. Equal keys mean the same image (see Backend.render_identity)."""

from __future__ import annotations

import hashlib
import json

from .params import SpriteParams

PIXEL_PARAMETERS = frozenset({"prompt", "negative", "width", "height", "steps", "cfg", "postprocess"})
# Parameters that change the pixels only when given: left out of the key when unset, so that the keys of images
# made before they existed stay the same.
SET_PIXEL_PARAMETERS = ("init_image", "strength")


def cache_key(identity: str, params: SpriteParams, seed: int) -> str:
    """A hex digest of the identity, the image's own seed and the parameters in PIXEL_PARAMETERS."""
    payload = {"identity": identity, "seed": seed, **params.model_dump(mode="json", include=set(PIXEL_PARAMETERS))}
    if params.frames > 1:  # an animation's sheet is another image than the still of the same parameters
        payload.update(frames=params.frames, motion=params.motion)
    if params.tile:  # so is a tile
        payload["tile"] = True
    payload.update({k: getattr(params, k) for k in SET_PIXEL_PARAMETERS if getattr(params, k) is not None})
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
