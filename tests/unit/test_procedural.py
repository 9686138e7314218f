"""Behaviour of the embedded procedural sprite generator, as a user of the worker would notice it."""

from __future__ import annotations

import ast
import colorsys
import hashlib
import io
import math
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from dgx_pixels_worker import procedural
from dgx_pixels_worker.procedural import (
    GENERATOR_VERSION,
    MAX_SIZE,
    MIN_SIZE,
    SpritePlan,
    plan_sprite,
    render_sprite,
    render_stages,
)
from dgx_pixels_worker.procedural.palettes import MATERIALS, families, ramp
from dgx_pixels_worker.procedural.render import build

SYMMETRIC_PROMPTS = [
    "knight",
    "wizard",
    "gold potion",
    "ruby gem",
    "treasure chest",
    "green slime",
    "dragon",
    "shield",
    "coin",
    "heart",
    "tree",
    "mushroom",
    "monster",
]
SPRITE_PROMPTS = [*SYMMETRIC_PROMPTS, "fire sword", "battle axe", "spear", "dagger", "wolf", "key", "archer", ""]
TILE_PROMPTS = ["grass", "stone tile", "water", "sand", "dirt", "lava", "brick wall", "wood planks", "snow", "ice tile"]


def png_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a, "RGBA").save(buf, "PNG")
    return buf.getvalue()


def luminance(rgb: np.ndarray) -> np.ndarray:
    c = rgb.astype(np.float64) / 255.0
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return c @ np.array([0.2126, 0.7152, 0.0722])


def edge_pixels(opaque: np.ndarray) -> np.ndarray:
    """Opaque pixels with a transparent 4-neighbour or on the image border."""
    p = np.pad(opaque, 1)
    enclosed = p[:-2, 1:-1] & p[2:, 1:-1] & p[1:-1, :-2] & p[1:-1, 2:]
    return opaque & ~enclosed


def mean_hue(a: np.ndarray) -> float:
    """Circular mean hue of opaque pixels, weighted by saturation x value."""
    sx = sy = 0.0
    for r, g, b in a[a[..., 3] == 255][:, :3] / 255.0:
        h, s, v = colorsys.rgb_to_hsv(r, g, b)
        sx += s * v * math.cos(2 * math.pi * h)
        sy += s * v * math.sin(2 * math.pi * h)
    return (math.atan2(sy, sx) / (2 * math.pi)) % 1.0


def hue_distance(a: float, b: float) -> float:
    d = abs(a - b) % 1.0
    return min(d, 1.0 - d)


# --- public surface ---------------------------------------------------------------------------


def test_public_constants() -> None:
    assert GENERATOR_VERSION == "2"
    assert (MIN_SIZE, MAX_SIZE) == (16, 128)
    assert set(procedural.__all__) >= {
        "GENERATOR_VERSION",
        "MIN_SIZE",
        "MAX_SIZE",
        "SpritePlan",
        "plan_sprite",
        "render_sprite",
        "render_stages",
    }


def test_only_stdlib_numpy_and_pillow_are_imported() -> None:
    allowed = {
        "numpy",
        "PIL",
        "__future__",
        "colorsys",
        "collections",
        "copy",
        "dataclasses",
        "functools",
        "hashlib",
        "io",
        "json",
        "math",
        "operator",
        "re",
        "typing",
    }
    folder = pathlib.Path(procedural.__file__).parent
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"


# --- determinism ------------------------------------------------------------------------------


@pytest.mark.parametrize("prompt", ["knight", "fire sword", "grass tile", "", "purple dragon"])
def test_same_inputs_give_identical_png_and_other_seed_differs(prompt: str) -> None:
    a = png_bytes(render_sprite(prompt, 7, 32, 32))
    b = png_bytes(render_sprite(prompt, 7, 32, 32))
    c = png_bytes(render_sprite(prompt, 8, 32, 32))
    assert a == b
    assert a != c


def test_output_does_not_depend_on_python_hash_randomisation() -> None:
    code = (
        "import hashlib, sys; sys.path[:0] = sys.argv[1:]\n"
        "from dgx_pixels_worker.procedural import render_sprite\n"
        "print(hashlib.sha256(b''.join(render_sprite(p, 5, 40, 24).tobytes()"
        " for p in ('knight', 'fire sword', 'lava', ''))).hexdigest())"
    )
    src = str(pathlib.Path(procedural.__file__).parents[2])
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", code, src], env=env, capture_output=True, text=True, check=True)
        digests.add(out.stdout.strip())
    local = hashlib.sha256(
        b"".join(render_sprite(p, 5, 40, 24).tobytes() for p in ("knight", "fire sword", "lava", ""))
    )
    assert digests == {local.hexdigest()}


def test_prompt_is_normalised_but_words_matter() -> None:
    base = render_sprite("Fire  Sword!", 3, 32, 32)
    assert np.array_equal(base, render_sprite("fire sword", 3, 32, 32))
    assert not np.array_equal(base, render_sprite("ice sword", 3, 32, 32))


def test_huge_and_negative_seeds_are_folded_deterministically() -> None:
    assert np.array_equal(render_sprite("gem", 2**63 + 5, 32, 32), render_sprite("gem", 5, 32, 32))
    assert np.array_equal(render_sprite("gem", 2**70, 32, 32), render_sprite("gem", 2**70, 32, 32))
    assert render_sprite("gem", -1, 32, 32).shape == (32, 32, 4)


# --- planning: what the prompt asks for --------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "subject"),
    [
        ("knight", "humanoid"),
        ("old wizard", "humanoid"),
        ("sword", "blade"),
        ("steel axe", "blade"),
        ("potion", "bottle"),
        ("ruby", "gem"),
        ("crystal", "gem"),
        ("chest", "chest"),
        ("wooden crate", "chest"),
        ("slime", "creature"),
        ("red dragon", "creature"),
        ("wolf", "creature"),
        ("grass", "tile"),
        ("cobblestone floor", "tile"),
        ("shield", "shield"),
        ("golden key", "key"),
        ("coin", "coin"),
        ("heart", "heart"),
        ("oak tree", "tree"),
        ("mushroom", "mushroom"),
        ("crystal sword", "blade"),
        ("stone golem", "creature"),
        ("knights", "humanoid"),
        ("rubies", "gem"),
    ],
)
def test_subject_comes_from_prompt_words(prompt: str, subject: str) -> None:
    plan = plan_sprite(prompt)
    assert isinstance(plan, SpritePlan)
    assert plan.subject == subject
    assert plan.tile == (subject == "tile")


def test_plan_lists_materials_in_prompt_order_and_summarises() -> None:
    plan = plan_sprite("fire knight with gold trim")
    assert plan.materials == ("fire", "gold")
    assert plan.symmetric
    assert "humanoid" in plan.summary and "knight" in plan.summary and "fire" in plan.summary


def test_negative_prompt_removes_materials() -> None:
    assert plan_sprite("red fire sword", "red").materials == ()
    assert plan_sprite("fire ice sword", "fire").materials == ("ice",)
    for seed in range(4):
        sprite = build("ruby", seed, 32, 32, "red")
        assert sprite.blueprint.plan.subject == "gem"
        assert sprite.canvas is not None
        for slot in sprite.canvas.slots:
            assert "red" not in families(slot.material), slot
        assert sprite.canvas.slots[0].material in {"sapphire", "emerald", "amethyst", "topaz", "diamond"}


def test_unrecognised_prompt_lets_the_seed_pick_a_subject() -> None:
    assert plan_sprite("").subject == "random"
    subjects = {plan_sprite("zorblax", seed=s).subject for s in range(40)}
    assert len(subjects) >= 5 and "random" not in subjects
    assert render_sprite("zorblax", 1, 32, 32)[..., 3].any()


def test_symmetry_flag_follows_the_subject() -> None:
    assert plan_sprite("knight").symmetric and plan_sprite("potion").symmetric
    assert not plan_sprite("sword").symmetric
    assert not plan_sprite("wolf").symmetric
    assert not plan_sprite("grass").symmetric


# --- what a sprite looks like -------------------------------------------------------------------


@pytest.mark.parametrize("prompt", SPRITE_PROMPTS)
@pytest.mark.parametrize("size", [(16, 16), (32, 32), (64, 48)])
def test_sprite_has_one_bit_alpha_transparent_corners_and_dark_outline(prompt: str, size: tuple[int, int]) -> None:
    w, h = size
    a = render_sprite(prompt, 11, w, h)
    assert a.shape == (h, w, 4) and a.dtype == np.uint8
    alpha = a[..., 3]
    assert set(np.unique(alpha)) <= {0, 255}
    assert alpha[0, 0] == alpha[0, -1] == alpha[-1, 0] == alpha[-1, -1] == 0
    assert (a[alpha == 0] == 0).all()  # fully transparent pixels carry no stray colour
    opaque = alpha == 255
    edge = edge_pixels(opaque)
    interior = opaque & ~edge
    assert interior.sum() > 10
    lum = luminance(a[..., :3])
    assert lum[edge].max() < 0.05, "outline should be near-black"
    assert lum[edge].max() < lum[interior].mean()
    assert lum[edge].mean() < 0.4 * lum[interior].mean()


@pytest.mark.parametrize("prompt", ["knight", "fire sword", "ice potion", "green slime", "gold chest", "tree"])
def test_each_material_shows_three_to_five_shades(prompt: str) -> None:
    sprite = build(prompt, 5, 64, 64)
    cv = sprite.canvas
    assert cv is not None
    colours: dict[str, set[tuple[int, ...]]] = {}
    counts: dict[str, int] = {}
    for label, slot in enumerate(cv.slots, start=1):
        if slot.detail:
            continue
        mask = cv.labels == label
        colours.setdefault(slot.material, set()).update(map(tuple, sprite.image[mask][:, :3]))
        counts[slot.material] = counts.get(slot.material, 0) + int(mask.sum())
    big = [m for m, n in counts.items() if n >= 80]
    assert big, "a sprite should have at least one large part"
    for material in big:
        assert 3 <= len(colours[material]) <= 5, (material, len(colours[material]))
    for material, found in colours.items():
        assert len(found) <= 5, material


@pytest.mark.parametrize("material", sorted(MATERIALS))
def test_every_ramp_runs_dark_to_light_with_three_to_five_shades(material: str) -> None:
    for n in (3, 4, 5):
        shades = ramp(material, n)
        assert len(shades) == n
        lum = luminance(np.array(shades))
        assert np.all(np.diff(lum) > 0), f"{material} ramp is not dark-to-light: {shades}"


@pytest.mark.parametrize("prompt", SYMMETRIC_PROMPTS)
@pytest.mark.parametrize("size", [(16, 16), (31, 32), (48, 64), (64, 64)])
def test_symmetric_subjects_are_exact_mirror_images(prompt: str, size: tuple[int, int]) -> None:
    w, h = size
    for seed in (1, 2):
        a = render_sprite(prompt, seed, w, h)
        assert np.array_equal(a, a[:, ::-1]), f"{prompt} {w}x{h} seed {seed} is not mirror-symmetric"


def test_blades_are_not_forced_to_be_symmetric() -> None:
    images = [render_sprite("sword", seed, 32, 32) for seed in range(6)]
    assert any(not np.array_equal(a, a[:, ::-1]) for a in images)


def test_seed_varies_the_design_not_just_colours() -> None:
    masks = {render_sprite("knight", seed, 32, 32)[..., 3].tobytes() for seed in range(8)}
    assert len(masks) >= 5


@pytest.mark.parametrize(
    ("prompt", "low", "high"),
    [
        ("fire sword", -0.05, 0.11),
        ("fire slime", -0.05, 0.11),
        ("ice potion", 0.45, 0.70),
        ("ice gem", 0.45, 0.70),
        ("gold coin", 0.07, 0.17),
        ("gold chest", 0.07, 0.17),
        ("forest tree", 0.20, 0.45),
        ("forest slime", 0.20, 0.45),
        ("fire tile", -0.05, 0.11),
        ("ice tile", 0.45, 0.70),
    ],
)
def test_colour_words_set_the_dominant_hue(prompt: str, low: float, high: float) -> None:
    for seed in range(3):
        hue = mean_hue(render_sprite(prompt, seed, 32, 32))
        centre, half = ((low + high) / 2) % 1.0, (high - low) / 2
        assert hue_distance(hue, centre) <= half, f"{prompt} seed {seed}: mean hue {hue:.3f}"


def test_plain_colour_names_recolour_the_subject() -> None:
    red = mean_hue(render_sprite("red slime", 3, 32, 32))
    blue = mean_hue(render_sprite("blue slime", 3, 32, 32))
    assert hue_distance(red, 0.0) < 0.06
    assert hue_distance(blue, 0.62) < 0.08


# --- tiles --------------------------------------------------------------------------------------


def seam_ratio(a: np.ndarray, axis: int) -> float:
    """Difference across the wrap-around edge relative to the typical neighbour difference."""
    t = a[..., :3].astype(np.float64)
    if axis == 0:
        t = t.transpose(1, 0, 2)
    steps = np.abs(np.diff(t, axis=1)).mean(axis=(0, 2))
    seam = np.abs(t[:, 0] - t[:, -1]).mean()
    return seam / max(steps.mean(), 1e-9)


@pytest.mark.parametrize("prompt", TILE_PROMPTS)
def test_tiles_are_opaque_and_seamless(prompt: str) -> None:
    ratios = []
    for seed in range(6):
        for w, h in ((32, 32), (48, 24)):
            a = render_sprite(prompt, seed, w, h)
            assert (a[..., 3] == 255).all()
            ratios += [seam_ratio(a, 0), seam_ratio(a, 1)]
    # a wrap-around seam looks like any other pair of neighbouring columns/rows
    assert np.mean(ratios) < 1.5, ratios


def test_seam_check_detects_a_cut_tile() -> None:
    """The seam metric is meaningful: cropping a tile (so it no longer wraps) raises it."""
    ratios_full, ratios_cut = [], []
    for seed in range(6):
        a = render_sprite("water", seed, 64, 64)
        ratios_full.append(seam_ratio(a, 1))
        ratios_cut.append(seam_ratio(a[:, : 64 - 17], 1))
    assert np.mean(ratios_cut) > np.mean(ratios_full) * 1.5


def test_tile_uses_prompt_colour() -> None:
    plain = mean_hue(render_sprite("brick wall", 2, 32, 32))
    blue = mean_hue(render_sprite("blue brick wall", 2, 32, 32))
    assert hue_distance(plain, 0.0) < 0.08
    assert hue_distance(blue, 0.62) < 0.1


# --- sizes and validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size", [(16, 16), (16, 48), (48, 16), (128, 16), (16, 128), (17, 23), (33, 33), (80, 50), (128, 128)]
)
@pytest.mark.parametrize("prompt", ["knight", "axe", "potion", "dragon", "wolf", "chest", "stone"])
def test_every_size_renders_with_the_subject_inside_the_canvas(size: tuple[int, int], prompt: str) -> None:
    w, h = size
    a = render_sprite(prompt, 3, w, h)
    assert a.shape == (h, w, 4)
    if plan_sprite(prompt).tile:
        return
    opaque = a[..., 3] == 255
    border = np.zeros_like(opaque)
    border[0, :] = border[-1, :] = border[:, 0] = border[:, -1] = True
    # only the outline may touch the border: the subject's body stays inside it
    assert luminance(a[opaque & border][:, :3]).max(initial=0.0) < 0.05
    ys, xs = np.nonzero(opaque)
    extent = max((ys.max() - ys.min() + 1) / h, (xs.max() - xs.min() + 1) / w)
    assert extent >= 0.6, "subject should be scaled to the canvas"


@pytest.mark.parametrize(("w", "h"), [(15, 32), (32, 129), (300, 64), (0, 0), (-16, 32)])
def test_out_of_range_size_is_rejected_with_advice(w: int, h: int) -> None:
    with pytest.raises(ValueError, match=r"16\.\.128.*64x64"):
        render_sprite("knight", 1, w, h)
    with pytest.raises(ValueError, match=r"16\.\.128"):
        render_stages("knight", 1, w, h, 4)


@pytest.mark.parametrize("value", [1.5, "32", None])
def test_non_integer_size_is_rejected(value: object) -> None:
    with pytest.raises(ValueError, match="whole number"):
        render_sprite("knight", 1, value, 32)  # type: ignore[arg-type]


@pytest.mark.parametrize("steps", [0, -1, 101, 1000])
def test_out_of_range_steps_are_rejected_with_advice(steps: int) -> None:
    with pytest.raises(ValueError, match=r"1\.\.100.*such as 8"):
        render_stages("knight", 1, 32, 32, steps)


def test_bad_seed_is_rejected() -> None:
    with pytest.raises(ValueError, match="seed"):
        render_sprite("knight", "seven", 32, 32)  # type: ignore[arg-type]


# --- progressive previews ---------------------------------------------------------------------


@pytest.mark.parametrize("steps", [1, 2, 8, 30])
@pytest.mark.parametrize("prompt", ["wizard", "lava"])
def test_stages_yield_exactly_steps_frames_ending_in_the_sprite(steps: int, prompt: str) -> None:
    frames = list(render_stages(prompt, 9, 32, 48, steps))
    assert len(frames) == steps
    for f in frames:
        assert f.shape == (48, 32, 4) and f.dtype == np.uint8
    final = render_sprite(prompt, 9, 32, 48)
    assert np.array_equal(frames[-1], final)
    if steps > 1:
        assert not np.array_equal(frames[0], final)


def test_stages_sharpen_towards_the_final_sprite() -> None:
    frames = list(render_stages("knight", 2, 32, 32, 8))
    final = frames[-1].astype(np.int32)
    errors = [np.abs(f.astype(np.int32) - final).mean() for f in frames]
    assert errors[0] > errors[3] > errors[6] > errors[7] == 0


def test_stages_are_deterministic() -> None:
    a = [f.tobytes() for f in render_stages("gem", 4, 32, 32, 5)]
    b = [f.tobytes() for f in render_stages("gem", 4, 32, 32, 5)]
    assert a == b
