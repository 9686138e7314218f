"""Exporting animations: the sheet, an animated GIF and APNG of its frames (right count, size and alpha), and for
Bevy the atlas layout with each animation's frame indices; several animations in one sheet get one run each."""

import io
import json
import os

import numpy as np
import pytest
from PIL import Image, ImageSequence

from dgx_pixels_tui import bevy_export
from dgx_pixels_tui.animation_export import FPS, FRAME_MS, animation_files, sheet_frames, unique_names
from dgx_pixels_tui.bevy_export import BevyExportError, ExportItem, export_to_bevy, sheet_item

COLOURS = [(220, 40, 40), (40, 180, 40), (40, 40, 220), (240, 240, 240)]


def frame_pixels(colour, side=8) -> np.ndarray:
    """A side x side frame: a coloured square on a transparent border of one pixel."""
    pixels = np.zeros((side, side, 4), np.uint8)
    pixels[1:-1, 1:-1] = (*colour, 255)
    return pixels


def sheet_png(colours=COLOURS, side=8) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.concatenate([frame_pixels(c, side) for c in colours], axis=1), "RGBA").save(buffer, "PNG")
    return buffer.getvalue()


def walk(name="knight", colours=COLOURS, motion="walk") -> ExportItem:
    return ExportItem(name, sheet_png(colours), {"prompt": name, "seed": 1}, frames=len(colours), motion=motion)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "game").mkdir()
    (tmp_path / "game" / "Cargo.toml").write_text('[package]\nname = "game"\n')
    return tmp_path / "game"


def played(data: bytes) -> list[np.ndarray]:
    """Every frame of an animated GIF or APNG as RGBA, as a player shows it."""
    with Image.open(io.BytesIO(data)) as image:
        assert image.is_animated and image.info.get("loop") == 0
        return [np.asarray(frame.convert("RGBA")).copy() for frame in ImageSequence.Iterator(image)]


def test_a_sheet_is_cut_into_frames_and_a_width_that_is_no_multiple_stays_one_still():
    frames = sheet_frames(sheet_png(), 4)
    assert [f.size for f in frames] == [(8, 8)] * 4
    assert [f.getpixel((4, 4))[:3] for f in frames] == COLOURS
    assert len(sheet_frames(sheet_png(COLOURS[:3]), 5)) == 1  # 24 px is not five frames
    assert unique_names(["walk", "idle", "walk", "walk"]) == ["walk", "idle", "walk_2", "walk_3"]


@pytest.mark.parametrize("suffix", [".gif", ".apng"])
def test_the_gif_and_apng_hold_every_frame_at_its_size_with_its_transparency(suffix):
    files = animation_files(sheet_frames(sheet_png(), 4))
    frames = played(files[suffix])
    assert len(frames) == 4 and all(f.shape == (8, 8, 4) for f in frames)
    for frame, colour in zip(frames, COLOURS, strict=True):
        assert tuple(frame[4, 4]) == (*colour, 255)
        assert frame[0, 0, 3] == 0 and frame[7, 7, 3] == 0  # the transparent border stays transparent
    with Image.open(io.BytesIO(files[suffix])) as image:
        assert image.format == ("GIF" if suffix == ".gif" else "PNG")
        assert image.info["duration"] == FRAME_MS


def test_an_animation_exports_as_sheet_layout_gif_and_apng_with_its_frame_run(project):
    written = export_to_bevy(project, "heroes", [walk()])
    assert [p.name for p in written] == [
        "knight.png",
        "knight.layout.json",
        "knight.gif",
        "knight.apng",
        "manifest.json",
    ]
    assert written[0].read_bytes() == sheet_png()  # the sheet as the worker made it
    layout = json.loads(written[1].read_text())
    assert layout["tile_size"] == [8, 8] and (layout["columns"], layout["rows"]) == (4, 1)
    assert layout["padding"] == [0, 0] and layout["offset"] == [0, 0]
    assert layout["animations"] == {"walk": {"first": 0, "last": 3, "fps": FPS}}
    assert [f["cell"][0] for f in layout["frames"]] == [0, 8, 16, 24]
    assert len(played(written[2].read_bytes())) == len(played(written[3].read_bytes())) == 4
    entry = json.loads(written[4].read_text())["sprites"]["heroes/knight.png"]
    assert entry["kind"] == "animation" and entry["layout"] == "heroes/knight.layout.json"
    assert entry["animations"] == layout["animations"]
    assert entry["previews"] == ["heroes/knight.gif", "heroes/knight.apng"]


def test_a_second_export_of_another_animation_does_not_take_the_first_ones_gif(project):
    export_to_bevy(project, "heroes", [walk()])
    (project / "assets/sprites/heroes/knight.png").unlink()  # only its GIF, layout and APNG are left
    written = export_to_bevy(project, "heroes", [walk(colours=COLOURS[::-1])])
    assert written[0].name == "knight-1.png" and written[2].name == "knight-1.gif"


def test_several_animations_in_one_sheet_each_get_their_frame_run_and_their_own_gif(project):
    items = [
        walk("knight", COLOURS, "walk"),
        walk("knight", COLOURS[:2], "idle"),
        ExportItem("shield", sheet_png(COLOURS[:1]), {"seed": 3}),  # a still among them: one frame, no run
        walk("knight", COLOURS[1:], "walk"),
    ]
    sheet = sheet_item(items, "knight-set", columns=4)
    assert sheet.layout is not None
    assert sheet.layout["animations"] == {
        "walk": {"first": 0, "last": 3, "fps": FPS},
        "idle": {"first": 4, "last": 5, "fps": FPS},
        "walk_2": {"first": 7, "last": 9, "fps": FPS},
    }
    assert len(sheet.layout["frames"]) == 10 and sheet.layout["frames"][6]["name"] == "shield"
    written = export_to_bevy(project, "heroes", [sheet])
    names = [p.name for p in written]
    assert names[:2] == ["knight-set.png", "knight-set.layout.json"]
    assert {"knight-set.walk.gif", "knight-set.idle.apng", "knight-set.walk_2.gif"} <= set(names)
    with Image.open(written[0]) as image:
        assert image.size == (32, 24)
        assert image.getpixel((4 + 8 * 3, 4))[:3] == COLOURS[3]  # frame 3: the walk's last
        assert image.getpixel((4 + 8 * 1, 4 + 8 * 2))[:3] == COLOURS[3]  # frame 9: walk_2's last
    assert len(played((project / "assets/sprites/heroes/knight-set.idle.gif").read_bytes())) == 2


def test_stills_make_the_same_sheet_as_before_without_animations():
    items = [ExportItem(f"f{i}", sheet_png([c]), {"seed": i}) for i, c in enumerate(COLOURS)]
    sheet = sheet_item(items)
    assert sheet.layout is not None and "animations" not in sheet.layout and sheet.previews == {}


def test_a_tile_is_marked_in_the_manifest(project):
    written = export_to_bevy(project, "tiles", [ExportItem("bricks", sheet_png(COLOURS[:1]), {}, tile=True)])
    entry = json.loads(written[-1].read_text())["sprites"]["tiles/bricks.png"]
    assert entry["tile"] is True and entry["kind"] == "sprite"


def test_an_animation_whose_apng_cannot_be_written_leaves_the_project_as_it_was(project, monkeypatch):
    export_to_bevy(project, "heroes", [ExportItem("shield", sheet_png(COLOURS[:1]), {})])
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    real_replace = os.replace

    def full_disk_at_the_apng(src, dst):
        if str(dst).endswith(".apng"):  # the sheet, its layout and GIF are in place by now
            raise OSError(28, "No space left on device", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(bevy_export.os, "replace", full_disk_at_the_apng)
    with pytest.raises(BevyExportError, match="No space left on device"):
        export_to_bevy(project, "heroes", [walk()])
    monkeypatch.setattr(bevy_export.os, "replace", real_replace)
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before
