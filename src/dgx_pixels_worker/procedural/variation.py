"""Variations of a sprite this generator drew, made from its own plan.

The plan (prompt, seed, negative prompt) is drawn again, which gives the same subject and layout; then each
variation, with its own seed, changes it more the higher its strength: parts another drawing of the same subject
has (a cape, a plume, a shield) are added, materials are swapped (a colour the prompt named stays in its colour
family, skin and hair stay skin and hair), and the ramps' small colour jitter is drawn again. Tiles keep their
texture and shift their colours. A variation of a variation applies both, in order.
"""

from __future__ import annotations

import copy
import io
import json
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from PIL import Image, PngImagePlugin

from . import vocabulary as voc
from .canvas import Canvas
from .outline import compose
from .palettes import MATERIALS, families
from .planning import Blueprint, blueprint
from .reference import sprite_from_image
from .render import drawn_canvas, render_sprite
from .seeding import rng_for
from .shading import shade_map

METADATA_KEY = "dgx-pixels"  # where the worker writes an image's parameters (jobs/image_files.py)
KEPT = frozenset({"ink", "eye_white"})  # eyes and ink lines stay what they are
KINDRED_PREFIXES = ("skin_", "hair_")  # a skin becomes another skin, hair other hair
POOL = tuple(m for m in MATERIALS if m not in KEPT and not m.startswith(KINDRED_PREFIXES))


@dataclass(frozen=True)
class Origin:
    """The plan a procedural sprite was drawn from, and the variations made of it since, in order."""

    prompt: str
    negative: str
    seed: int
    steps: tuple[tuple[int, float], ...] = ()  # (seed, strength) of each variation

    def then(self, seed: int, strength: float) -> Origin:
        return replace(self, steps=(*self.steps, (seed, strength)))

    def as_info(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "negative": self.negative,
            "seed": self.seed,
            "steps": [[seed, strength] for seed, strength in self.steps],
        }


def origin_of(png: bytes) -> Origin | None:
    """The plan of a sprite this generator drew, from the parameters in its PNG; None for any other image."""
    with Image.open(io.BytesIO(png)) as image:
        text = image.text.get(METADATA_KEY) if isinstance(image, PngImagePlugin.PngImageFile) else None
    try:
        meta = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
    if not isinstance(meta, dict):
        return None
    varied = meta.get("varied_from")
    if isinstance(varied, dict):
        return _origin(varied.get("prompt"), varied.get("negative"), varied.get("seed"), varied.get("steps"))
    if str(meta.get("generator", "")).startswith("procedural/") and not meta.get("tile") and meta.get("frames", 1) == 1:
        return _origin(meta.get("prompt"), meta.get("negative"), meta.get("seed"), [])
    return None


def _origin(prompt: object, negative: object, seed: object, steps: object) -> Origin | None:
    if not isinstance(prompt, str) or not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        return None
    pairs: list[tuple[int, float]] = []
    for step in steps if isinstance(steps, list) else []:
        if not (isinstance(step, list) and len(step) == 2 and isinstance(step[0], int)):
            return None
        if not isinstance(step[1], (int, float)) or not 0 < step[1] <= 1:
            return None
        pairs.append((step[0], float(step[1])))
    return Origin(prompt, negative if isinstance(negative, str) else "", seed, tuple(pairs))


def vary_plan(origin: Origin, width: int, height: int) -> tuple[np.ndarray, Blueprint]:
    """The sprite of `origin` at this size, every variation of it applied: (RGBA array, its blueprint)."""
    bp = blueprint(origin.prompt, origin.negative, origin.seed)
    words, negative = " ".join(voc.words(origin.prompt)), " ".join(voc.words(origin.negative))
    if bp.plan.tile:
        image = render_sprite(origin.prompt, origin.seed, width, height, origin.negative)
        for seed, strength in origin.steps:
            image = _shift_colours(image, rng_for("vary-tile", words, origin.seed, seed, strength), strength)
        return image, bp
    # The same generator and order of draws as render.build, so that no variation at all is the sprite itself.
    cv = drawn_canvas(bp, rng_for("sprite", words, origin.seed, f"{width}x{height}", negative), width, height)
    jitter = copy.deepcopy(cv.rng)
    for seed, strength in origin.steps:
        rng = rng_for("variation", words, origin.seed, seed, strength, f"{width}x{height}", negative)
        donor = drawn_canvas(
            bp, rng_for("variation-donor", words, origin.seed, seed, f"{width}x{height}"), width, height
        )
        added = _add_parts(cv, donor, rng, strength)
        _swap_materials(cv, donor, bp, rng, strength, at_least_one=not added)
        if rng.random() < strength:
            jitter = rng_for("variation-jitter", words, origin.seed, seed)
    cv.rng = copy.deepcopy(jitter)
    return compose(cv, shade_map(cv, bp.plan.symmetric)), bp


def _add_parts(cv: Canvas, donor: Canvas, rng: np.random.Generator, strength: float) -> int:
    """Parts the donor drawing has and this one lacks, each added with probability `strength`: a part drawn in
    front of the donor's body goes in front, one drawn behind it only fills what is empty here."""
    have = {slot.name for slot in cv.slots}
    added = 0
    drawn = donor.depth[donor.labels > 0]
    middle = float(np.median(drawn)) if drawn.size else 0.0
    for label, slot in enumerate(donor.slots, start=1):
        mask = donor.labels == label
        if slot.name in have or not mask.any() or rng.random() >= strength or len(cv.slots) >= 250:
            continue
        if float(donor.depth[mask].mean()) < middle:
            mask &= cv.labels == 0
        cv.paint(mask, cv.slot(slot.name, slot.material, slot.detail), casts=bool(donor.casts[mask].any()))
        have.add(slot.name)
        added += 1
    return added


def _swap_materials(
    cv: Canvas, donor: Canvas, bp: Blueprint, rng: np.random.Generator, strength: float, *, at_least_one: bool
) -> None:
    """Each material of the drawing swapped with probability `strength`, every part of it alike; with
    `at_least_one`, one of them is swapped when chance swapped none, so that no variation is its source again."""
    donors = {slot.name: slot.material for slot in donor.slots}
    swaps: dict[str, str] = {}
    candidates: list[tuple[str, list[str]]] = []
    shown = set(np.unique(cv.labels).tolist())
    for label, slot in enumerate(cv.slots, start=1):
        was = slot.material
        if was in swaps or was in KEPT or was not in MATERIALS:
            continue
        swaps[was] = was
        options = _options(was, donors.get(slot.name), bp)
        if options and label in shown:
            candidates.append((was, options))
        if rng.random() < strength and options:
            swaps[was] = options[int(rng.integers(len(options)))]
    if at_least_one and candidates and all(swaps[was] == was for was, _ in candidates):
        was, options = candidates[int(rng.integers(len(candidates)))]
        swaps[was] = options[int(rng.integers(len(options)))]
    cv.slots[:] = [replace(slot, material=swaps.get(slot.material, slot.material)) for slot in cv.slots]


def _options(was: str, donor: str | None, bp: Blueprint) -> list[str]:
    kindred = next((prefix for prefix in KINDRED_PREFIXES if was.startswith(prefix)), None)
    if kindred is not None:
        return [m for m in MATERIALS if m.startswith(kindred) and m != was and bp.allows(m)]
    if was in bp.plan.materials:  # the prompt asked for it: another shade of the same colour family
        return [m for m in POOL if m != was and set(families(m)) & set(families(was)) and bp.allows(m)]
    if donor is not None and donor != was and donor in POOL and bp.allows(donor):
        return [donor]
    return [m for m in POOL if m != was and bp.allows(m)]


def _shift_colours(image: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Hue turned by up to a third of the wheel and saturation scaled by up to ±30 %, both times `strength`."""
    rgba = Image.fromarray(image, "RGBA")
    hsv = np.asarray(rgba.convert("RGB").convert("HSV")).astype(np.int16)
    turn = round(float(rng.uniform(-1, 1)) * strength * 256 / 3)
    scale = 1.0 + float(rng.uniform(-0.3, 0.3)) * strength
    hsv[..., 0] = (hsv[..., 0] + turn) % 256
    hsv[..., 1] = np.clip(hsv[..., 1] * scale, 0, 255)
    rgb = np.asarray(Image.fromarray(hsv.astype(np.uint8), "HSV").convert("RGB"))
    return np.dstack([rgb, image[..., 3]]).astype(np.uint8)


def varied_sprite(
    init_png: bytes, seed: int, width: int, height: int, strength: float
) -> tuple[np.ndarray, dict[str, Any]]:
    """A variation of the image, and what the image's record says of it: a sprite this generator drew is varied
    from its plan; any other image is turned into a sprite (reference.py) and varied."""
    origin = origin_of(init_png)
    if origin is None:
        return sprite_from_image(init_png, width, height, seed, strength), {"varied_from": "image"}
    origin = origin.then(seed, strength)
    image, bp = vary_plan(origin, width, height)
    return image, {"subject": bp.plan.subject, "varied_from": origin.as_info()}
