"""Names and bounds of the game-asset fields of a request (frames, motion, uploads), free of pydantic so that a
client's first frame does not wait for it."""

from __future__ import annotations

from typing import Literal, get_args

MAX_FRAMES = 16  # frames of one animation
MAX_UPLOAD_BYTES = 4 * 1024 * 1024  # an image the client sends to be varied (init_png)
Motion = Literal["idle", "walk", "run", "attack", "jump", "hurt"]
MOTIONS: tuple[str, ...] = get_args(Motion)
