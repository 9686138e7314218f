"""Animations on ComfyUI: one sampling of a whole sprite sheet, its frames side by side, cut apart afterwards.

The latent is `frames` times as wide as one frame and the prompt asks for a sheet of that many frames of the
motion. One sampling draws the character once, in one palette and one light, so the frames match; frames made one
by one (image-to-image from a key frame) drift in detail and colour from frame to frame. The worker cuts the sheet
on its grid and sets the frames on one baseline (pixelart/frames.py).
"""

from __future__ import annotations

MOTION_WORDS = {
    "idle": "an idle animation, standing and breathing",
    "walk": "a walk cycle, legs alternating",
    "run": "a run cycle, leaning forward in full stride",
    "attack": "an attack, winding up then swinging forward",
    "jump": "a jump, crouching, rising, falling and landing",
    "hurt": "a hurt animation, recoiling from a hit",
}


def sheet_prompt(prompt: str, frames: int, motion: str | None) -> str:
    """The prompt sent: the user's, and for an animation (more than one frame) what its sheet must look like."""
    if frames <= 1:
        return prompt
    words = MOTION_WORDS.get(motion or "idle", f"a {motion} animation")
    return (
        f"{prompt}, sprite sheet, {frames} frames of {words}, side view, the same character in every frame, "
        "evenly spaced in one row, plain background"
    )
