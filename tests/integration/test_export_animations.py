"""Animations and tiles made by a real worker, exported to Bevy from the shell: the sheet, its layout with the
frame run, a GIF and an APNG whose frames are the sheet's, and a tile marked in the manifest."""

import io
import itertools
import json

import numpy as np
from PIL import Image, ImageSequence

from tests.integration.test_quality_checks import bevy_project
from tests.support.cli import dgx


def generated(env, tmp_path, *flags):
    result = dgx("generate", "green slime", "--seed", "5", "--json", "--out", str(tmp_path / "out"), *flags, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["jobs"][0]


def test_a_walk_from_the_worker_exports_as_sheet_layout_gif_and_apng(worker, tmp_path):
    env = worker.cli_env()
    job = generated(env, tmp_path, "--frames", "4", "--motion", "walk", "--size", "24x24")
    game = bevy_project(tmp_path)
    result = dgx("export", "--bevy", str(game), "--category", "heroes", job["id"], env=env)
    assert result.returncode == 0, result.stderr
    folder = game / "assets/sprites/heroes"
    [sheet_path] = folder.glob("*.png")
    stem = sheet_path.stem
    layout = json.loads((folder / f"{stem}.layout.json").read_text())
    assert layout["tile_size"] == [24, 24] and (layout["columns"], layout["rows"]) == (4, 1)
    assert layout["animations"] == {"walk": {"first": 0, "last": 3, "fps": 10}}
    with Image.open(sheet_path) as image:
        sheet = np.asarray(image.convert("RGBA"))
    assert sheet.shape == (24, 96, 4)
    frames = [sheet[:, x : x + 24] for x in range(0, 96, 24)]
    assert any((frames[0] != other).any() for other in frames[1:])  # the walk moves
    apng = (folder / f"{stem}.apng").read_bytes()
    with Image.open(io.BytesIO(apng)) as played:
        shown = [np.asarray(f.convert("RGBA")) for f in ImageSequence.Iterator(played)]
    distinct = [frames[0]] + [f for prev, f in itertools.pairwise(frames) if (prev != f).any()]
    assert len(shown) == len(distinct)  # Pillow merges a frame identical to the one before
    assert all((a == b).all() for a, b in zip(shown, distinct, strict=True))  # alpha and colours as in the sheet
    with Image.open(folder / f"{stem}.gif") as gif:
        assert gif.size == (24, 24)
        gif_frames = [np.asarray(f.convert("RGBA")) for f in ImageSequence.Iterator(gif)]
    assert len(gif_frames) == len(distinct)
    for got, want in zip(gif_frames, distinct, strict=True):
        opaque = want[..., 3] >= 128
        assert ((got[..., 3] == 255) == opaque).all()  # one-bit alpha: the background stays see-through
        assert (got[opaque][:, :3] == want[opaque][:, :3]).all()
    entry = json.loads((game / "assets/sprites/manifest.json").read_text())["sprites"][f"heroes/{stem}.png"]
    assert entry["kind"] == "animation" and entry["animations"] == layout["animations"]
    assert entry["source"]["image_id"] == job["images"][0]


def test_a_tile_from_the_worker_is_marked_in_the_manifest(worker, tmp_path):
    env = worker.cli_env()
    job = generated(env, tmp_path, "--tile", "--size", "16x16")
    game = bevy_project(tmp_path)
    result = dgx("export", "--bevy", str(game), "--category", "tiles", job["id"], env=env)
    assert result.returncode == 0, result.stderr
    sprites = json.loads((game / "assets/sprites/manifest.json").read_text())["sprites"]
    [(path, entry)] = sprites.items()
    assert path.startswith("tiles/") and entry["tile"] is True and entry["kind"] == "sprite"


def test_sheet_of_two_animations_names_each_run_and_animates_every_frame(worker, tmp_path):
    env = worker.cli_env()
    walk = generated(env, tmp_path, "--frames", "4", "--motion", "walk", "--size", "16x16")
    idle = generated(env, tmp_path, "--frames", "2", "--size", "16x16")
    out = tmp_path / "sheets" / "slime.png"
    gif = tmp_path / "slime.gif"
    result = dgx("sheet", walk["id"], idle["id"], "--out", str(out), "--animate", str(gif), "--scale", "1", env=env)
    assert result.returncode == 0, result.stderr
    atlas = json.loads(out.with_suffix(".json").read_text())
    assert atlas["animations"] == {
        "walk": {"first": 0, "last": 3, "fps": 10},
        "idle": {"first": 4, "last": 5, "fps": 10},
    }
    assert len(atlas["frames"]) == 6 and atlas["tile_size"] == [16, 16]
    with Image.open(out) as image:
        sheet = np.asarray(image.convert("RGBA"))
    cells = [sheet[y : y + h, x : x + w] for x, y, w, h in (f["cell"] for f in atlas["frames"])]
    distinct = 1 + sum((a != b).any() for a, b in itertools.pairwise(cells))
    with Image.open(gif) as played:
        assert played.size == (16, 16) and played.n_frames == distinct  # every frame; equal neighbours merged
