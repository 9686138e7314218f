"""Animations: one drawing posed frame by frame (idle, walk, run, attack, jump, hurt), side by side in one sheet.

The subject is drawn once, as for a still. Each frame moves parts of that drawing's label map (a leg bends, an
arm swings, the upper body sinks, the figure leans), then is shaded and outlined like a still. Colours are taken
from the still sprite itself, so every frame uses its palette and no other colour; no pose moves the feet off the
still's lowest row, so the frames share one baseline. Characters are posed by their joints (where humanoid.py put
the legs, arms and waist); other subjects by their outline: creatures on legs step, wings flap, everything else
bobs, squashes and leans.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from . import vocabulary as voc
from .canvas import AUTO, Canvas
from .outline import compose, outline_ring
from .render import build
from .seeding import rng_for
from .shading import shade_map
from .stages import preview_frames
from .validation import MAX_SIZE, check_seed, check_steps

MOTIONS = ("idle", "walk", "run", "attack", "jump", "hurt")
MAX_FRAMES = 16
MAX_SHEET_WIDTH = MAX_FRAMES * MAX_SIZE  # frames are drawn one by one: a sheet may be wider than one sprite


@dataclass(frozen=True)
class Pose:
    """What one frame changes on the drawing, in pixels. "Left" and "right" are the image's."""

    lift: tuple[int, int] = (0, 0)  # each foot raised this far: the leg bends, the foot leaves the ground
    arms: tuple[int, int] = (0, 0)  # each arm (or wing) moved down (+) or up (-)
    reach: int = 0  # the right arm pushed outward: the strike of an attack
    spread: int = 0  # each leg moved outward
    sink: int = 0  # the upper body lowered (breathing out, a crouch, a landing); below 0, stretched up
    lean: int = 0  # the top of the figure moved forward (+) or back (-); the feet stay
    flash: bool = False  # every part at its lightest shade: the moment a hit lands


@dataclass(frozen=True)
class Rig:
    """Where the parts a pose moves lie on the canvas, in whole pixels (row and column ranges are [start, end))."""

    top: int
    bottom: int  # one past the lowest row of the figure: the baseline
    waist: int  # the upper body is the rows above this
    hip: int  # the legs start at this row
    knee: int  # a lifted leg bends from this row down
    centre: int  # the left leg ends and the right one starts at this column
    legs: tuple[int, int] | None  # the columns holding both legs; None for a subject without legs
    arms: tuple[int, int] | None  # the left arm is the columns before the first, the right one from the second
    arm_rows: tuple[int, int]
    forward: int  # +1: the subject faces right; -1: left
    flaps: bool = False  # the arms are wings: they beat together


def motion_poses(motion: str, frames: int, size: int) -> list[Pose]:
    """The pose of each frame of `motion` for a sprite whose smaller side is `size` pixels."""
    if motion not in MOTIONS:
        raise ValueError(f"motion {motion!r} is not one of {', '.join(MOTIONS)}")
    if not 2 <= frames <= MAX_FRAMES:
        raise ValueError(f"an animation has 2..{MAX_FRAMES} frames, not {frames}")
    step = 2 if size >= 48 else 1
    if motion in ("walk", "run"):
        return [_stride(i, frames, step, run=motion == "run") for i in range(frames)]
    if motion == "idle":  # breathing in for the first half, out for the second
        return [Pose(sink=1 if 2 * i >= frames else 0) for i in range(frames)]
    keys = {
        "attack": (
            Pose(arms=(0, -step), lean=-1),  # wind-up
            Pose(reach=step + 1, lean=1),  # strike
            Pose(reach=step, arms=(0, 1), lean=1),  # follow-through
            Pose(),  # recover
        ),
        "jump": (
            Pose(sink=step, arms=(1, 1)),  # crouch
            Pose(arms=(-step, -step), sink=-1),  # take-off: arms up, stretched where there is room
            Pose(arms=(-1, -1), spread=1),  # in the air, legs apart
            Pose(sink=1),  # landing
        ),
        "hurt": (
            Pose(lean=-step, sink=1, flash=True),  # the hit
            Pose(lean=-step, sink=1),  # recoil
            Pose(lean=-1),
            Pose(),
        ),
    }[motion]
    return [keys[i * len(keys) // frames] for i in range(frames)]


def _stride(i: int, frames: int, step: int, run: bool) -> Pose:
    """Frame `i` of a walk or run cycle: contact, left foot up, contact, right foot up. The swing is a triangle
    wave in whole numbers (`frames` stands for 1), so only exact arithmetic decides the pixels."""
    quarter = (4 * i + (frames if frames == 2 else 0)) % (4 * frames)  # two frames: both passing poses
    swing = frames - abs(quarter - frames) if quarter < 2 * frames else abs(quarter - 3 * frames) - frames
    ahead, behind = max(swing, 0), max(-swing, 0)
    height = step + (1 if run else 0)
    left, right = _ratio(height * ahead, frames), _ratio(height * behind, frames)
    arm = 2 if run else 1
    if run:  # arms pump: up on the side of the lifted foot, down on the other
        arms = (_ratio(-arm * swing, frames), _ratio(arm * swing, frames))
    else:  # each arm swings with the other side's leg
        arms = (_ratio(arm * behind, frames), _ratio(arm * ahead, frames))
    contact = 2 * abs(swing) < frames
    return Pose(lift=(left, right), arms=arms, sink=1 if contact else 0, lean=1 if run else 0)


def _ratio(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest whole number, halves away from zero."""
    size = (2 * abs(numerator) + denominator) // (2 * denominator)
    return size if numerator >= 0 else -size


# ---------------------------------------------------------------- rigs


def rig_for(cv: Canvas, subject: str, variant: str) -> Rig:
    """The joints humanoid.py marked, or joints guessed from the outline of any other subject."""
    rows = np.flatnonzero((cv.labels != 0).any(axis=1))
    cols = np.flatnonzero((cv.labels != 0).any(axis=0))
    if not len(rows):
        return Rig(0, 0, 0, 0, 0, cv.width // 2, None, None, (0, 0), 1)
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    left, right = int(cols[0]), int(cols[-1]) + 1
    m = cv.marks
    if subject == "humanoid" and m:
        centre = round(m["cx"])
        reach = int(np.ceil(m["torso_hw"] + 0.5))
        arm = int(np.floor(m["cx"] - m["torso_hw"] + 0.5))
        leg_top = round(m["leg_top"])
        waist = leg_top - (2 if cv.height < 48 else 3)
        return Rig(
            top=top,
            bottom=bottom,
            waist=max(top + 1, waist),
            hip=leg_top,
            knee=max(leg_top + 1, (leg_top + bottom) // 2),
            centre=centre,
            legs=(centre - reach, centre + reach),
            arms=(arm, cv.width - arm),
            arm_rows=(round(m["head_bottom"]), leg_top + 2),
            forward=1,
        )
    height = bottom - top
    centre = (left + right) // 2
    winged = subject == "creature" and variant == "winged"
    third = (right - left) // 3
    return Rig(
        top=top,
        bottom=bottom,
        waist=top + height // 2,
        hip=bottom - max(1, height // 4),
        knee=bottom - max(1, height // 4),
        centre=centre,
        legs=(left, right) if subject == "creature" and variant == "quadruped" else None,
        arms=(left + third, right - third) if winged else None,
        arm_rows=(top, bottom),
        forward=_facing(cv.labels, top, bottom),
        flaps=winged,
    )


def _facing(labels: np.ndarray, top: int, bottom: int) -> int:
    """+1 when the top third of the figure (a beast's head) sits right of the whole figure's middle, else -1;
    +1 for a symmetric one."""
    ys, xs = np.nonzero(labels)
    upper = xs[ys < top + max(1, (bottom - top) // 3)]
    if not len(upper):
        return 1
    return -1 if 2 * upper.mean() < xs.min() + xs.max() - 1 else 1


# ---------------------------------------------------------------- posing


def pose_canvas(cv: Canvas, rig: Rig, pose: Pose) -> Canvas:
    """A copy of `cv` with its parts moved as `pose` says."""
    posed = Canvas(cv.width, cv.height, cv.rng)
    posed.slots, posed.shades, posed.marks = cv.slots, cv.shades, cv.marks
    layers: list[np.ndarray] = [a.copy() for a in (cv.labels, cv.fixed, cv.depth, cv.casts)]
    posed.labels, posed.fixed, posed.depth, posed.casts = layers
    if rig.legs is None:  # no legs to lift: the subject waddles instead
        pose = replace(pose, lean=pose.lean + pose.lift[1] - pose.lift[0], lift=(0, 0), spread=0)
    if rig.arms is None:  # no arms to strike with: the whole subject lunges
        pose = replace(pose, lean=pose.lean + pose.reach, reach=0, arms=(0, 0))
    if rig.flaps:
        beat = min(pose.arms) if min(pose.arms) < 0 else max(pose.arms)
        pose = replace(pose, arms=(beat, beat))
    if rig.legs is not None:
        a, b = rig.legs
        bend = max(0, rig.bottom - rig.knee - 1)
        for (x0, x1), lift, out in (((a, rig.centre), pose.lift[0], -1), ((rig.centre, b), pose.lift[1], 1)):
            _move(layers, (rig.knee, rig.bottom), (x0, x1), -min(lift, bend), 0)
            _move(layers, (rig.hip, rig.bottom), (x0, x1), 0, out * pose.spread)
    # Sinking folds the rows just above the waist under the ones above them; a stretch (sink below 0) raises the
    # upper body as far as the room above it allows, the waist row drawn out.
    room = max(0, rig.waist - rig.top - 1) if pose.sink > 0 else max(0, rig.top - 1)
    shift = max(-room, min(pose.sink, room))
    _move(layers, (0, rig.waist), (0, cv.width), shift, 0, stretch=shift < 0)
    if rig.arms is not None:
        y0, y1 = rig.arm_rows[0] + shift, rig.arm_rows[1] + shift
        for (x0, x1), dy in (((0, rig.arms[0]), pose.arms[0]), ((rig.arms[1], cv.width), pose.arms[1])):
            _move(layers, (y0, y1), (x0, x1), dy, 0, stretch=dy > 0)
        if pose.reach:
            outward = pose.reach * rig.forward
            _move(layers, (y0, y1), (rig.arms[1], cv.width), 0, outward, stretch=True)
    if pose.lean:
        _lean(layers, rig, pose.lean * rig.forward)
    if pose.flash:
        posed.fixed[posed.labels != 0] = cv.shades - 1
    posed.clear_border()
    return posed


BLANKS = (0, AUTO, 0, False)


def _move(
    layers: list[np.ndarray], rows: tuple[int, int], cols: tuple[int, int], dy: int, dx: int, stretch: bool = False
) -> None:
    """Move the parts inside rows x cols by (dy, dx), in front of what they land on. With `stretch`, the row (or
    column) moved next to the gap the move leaves is repeated over it, so a part grows instead of coming loose."""
    h, w = layers[0].shape
    y0, y1 = max(0, rows[0]), min(h, rows[1])
    x0, x1 = max(0, cols[0]), min(w, cols[1])
    if y0 >= y1 or x0 >= x1 or (dy == 0 and dx == 0):
        return
    blocks = [a[y0:y1, x0:x1].copy() for a in layers]
    for a, blank in zip(layers, BLANKS, strict=True):
        a[y0:y1, x0:x1] = blank
    top, left = y0 + dy, x0 + dx
    if stretch and dy > 0:
        blocks = [np.concatenate([np.repeat(b[:1], dy, axis=0), b]) for b in blocks]
        top = y0
    elif stretch and dx > 0:
        blocks = [np.concatenate([np.repeat(b[:, :1], dx, axis=1), b], axis=1) for b in blocks]
        left = x0
    elif stretch and dx < 0:
        blocks = [np.concatenate([b, np.repeat(b[:, -1:], -dx, axis=1)], axis=1) for b in blocks]
    elif stretch and dy < 0:
        blocks = [np.concatenate([b, np.repeat(b[-1:], -dy, axis=0)]) for b in blocks]
    bh, bw = blocks[0].shape
    ty0, ty1 = max(0, top), min(h, top + bh)
    tx0, tx1 = max(0, left), min(w, left + bw)
    if ty0 >= ty1 or tx0 >= tx1:
        return
    window = (slice(ty0 - top, ty1 - top), slice(tx0 - left, tx1 - left))
    solid = blocks[0][window] != 0
    for a, b in zip(layers, blocks, strict=True):
        a[ty0:ty1, tx0:tx1][solid] = b[window][solid]


def _lean(layers: list[np.ndarray], rig: Rig, lean: int) -> None:
    """Shift each row sideways in proportion to its height above the baseline: the top by `lean`, the feet by 0."""
    span = max(1, rig.bottom - 1 - rig.top)
    for y in range(rig.top, rig.bottom):
        dx = _ratio(lean * (rig.bottom - 1 - y), span)
        if dx:
            _move(layers, (y, y + 1), (0, layers[0].shape[1]), 0, dx)


# ---------------------------------------------------------------- colours and the sheet


def still_tables(cv: Canvas, still: np.ndarray, shades: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Colour tables (as outline.colour_tables makes them) read back from the still sprite: a shade of a part the
    still does not show takes that part's nearest shade it does, an outline the still does not show takes the
    still's most common outline colour. Frames drawn with them use only the still's colours."""
    n, levels = len(cv.slots) + 1, cv.shades
    body = np.zeros((n, levels, 4), dtype=np.uint8)
    known = np.zeros((n, levels), dtype=bool)
    solid = cv.labels != 0
    labels, shade = cv.labels[solid], np.maximum(shades[solid], 0)
    body[labels, shade] = still[solid]
    known[labels, shade] = True
    for label in range(1, n):
        have = np.flatnonzero(known[label])
        if len(have):
            for level in range(levels):
                body[label, level] = body[label, have[np.argmin(np.abs(have - level))]]
    line = np.zeros((n, 4), dtype=np.uint8)
    ring, owner = outline_ring(cv.labels)
    if ring.any():
        colours, counts = np.unique(still[ring], axis=0, return_counts=True)
        line[:] = colours[np.argmax(counts)]
        line[owner[ring]] = still[ring]
    line[0] = 0
    return body, line


def render_animation(
    prompt: str, seed: int, width: int, height: int, frames: int, motion: str, negative: str = ""
) -> np.ndarray:
    """The animation as one (height, width * frames, 4) uint8 RGBA sheet, frames left to right."""
    poses = motion_poses(motion, frames, min(width, height))
    sprite = build(prompt, seed, width, height, negative)
    cv = sprite.canvas
    if cv is None or sprite.shades is None:
        raise ValueError(
            f"{prompt!r} draws a tile, which has no motion; name a character, creature or item to animate, "
            "or drop the frames"
        )
    rig = rig_for(cv, sprite.blueprint.plan.subject, sprite.blueprint.variant)
    tables = still_tables(cv, sprite.image, sprite.shades)
    symmetric = sprite.blueprint.plan.symmetric
    images = []
    for pose in poses:
        posed = pose_canvas(cv, rig, pose)
        images.append(compose(posed, shade_map(posed, symmetric), tables))
    return np.concatenate(images, axis=1)


def render_animation_stages(
    prompt: str, seed: int, width: int, height: int, steps: int, frames: int, motion: str, negative: str = ""
) -> Iterator[np.ndarray]:
    """Exactly `steps` sheets from coarse and noisy to the finished animation (the last one)."""
    steps = check_steps(steps)
    final = render_animation(prompt, seed, width, height, frames, motion, negative)
    rng = rng_for(
        "animation-stages",
        " ".join(voc.words(prompt)),
        check_seed(seed),
        f"{width}x{height}x{frames}",
        motion,
        " ".join(voc.words(negative)),
    )
    return preview_frames(final, steps, rng)
