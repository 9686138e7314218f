"""Exporting into a Bevy project: names, paths, no silent overwrite, the manifest, and all-or-nothing writes."""

import io
import json
import os

import pytest
from PIL import Image

from dgx_pixels_tui import bevy_export
from dgx_pixels_tui.bevy_export import BevyExportError, ExportItem, clean_category, clean_name, export_to_bevy


def png(colour=(200, 30, 30, 255), size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def project(tmp_path):
    (tmp_path / "game").mkdir()
    (tmp_path / "game" / "Cargo.toml").write_text('[package]\nname = "game"\n')
    return tmp_path / "game"


def snapshot(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_names_and_categories_are_cleaned():
    assert clean_name("Red Knight / 2!") == "red-knight-2"
    assert clean_name("...") == "sprite" and len(clean_name("x" * 200)) == 64
    assert clean_category("Items/Potions").as_posix() == "items/potions"
    for bad in ("../outside", "/etc", "a/../../b", "", "  "):
        with pytest.raises(BevyExportError):
            clean_category(bad)


def test_sprites_land_in_their_category_with_a_manifest_of_their_sources(project):
    written = export_to_bevy(
        project, "heroes", [ExportItem("Red Knight 7", png(), {"prompt": "red knight", "seed": 7})]
    )
    target = project / "assets/sprites/heroes/red-knight-7.png"
    assert written == [target, project / "assets/sprites/manifest.json"]
    assert target.read_bytes() == png()
    manifest = json.loads((project / "assets/sprites/manifest.json").read_text())
    entry = manifest["sprites"]["heroes/red-knight-7.png"]
    assert entry["source"] == {"prompt": "red knight", "seed": 7} and entry["kind"] == "sprite"


def test_a_taken_name_gets_a_suffix_unless_forced_and_the_manifest_keeps_both(project):
    export_to_bevy(project, "items", [ExportItem("gem", png((1, 2, 3, 255)), {"seed": 1})])
    again = export_to_bevy(
        project,
        "items",
        [ExportItem("gem", png((4, 5, 6, 255)), {"seed": 2}), ExportItem("gem", png((7, 8, 9, 255)), {"seed": 3})],
    )
    assert [p.name for p in again[:2]] == ["gem-1.png", "gem-2.png"]
    assert (project / "assets/sprites/items/gem.png").read_bytes() == png((1, 2, 3, 255))
    forced = export_to_bevy(project, "items", [ExportItem("gem", png((9, 9, 9, 255)), {"seed": 4})], force=True)
    assert forced[0].name == "gem.png" and forced[0].read_bytes() == png((9, 9, 9, 255))
    sprites = json.loads((project / "assets/sprites/manifest.json").read_text())["sprites"]
    assert {k: v["source"]["seed"] for k, v in sprites.items()} == {
        "items/gem.png": 4,
        "items/gem-1.png": 2,
        "items/gem-2.png": 3,
    }


def test_a_sheet_comes_with_the_layout_bevy_needs(project):
    layout = {"tile_size": [8, 8], "columns": 2, "rows": 1, "padding": [0, 0], "offset": [0, 0], "frames": []}
    written = export_to_bevy(project, "anim", [ExportItem("walk", png(size=(16, 8)), {"frames": []}, layout=layout)])
    assert [p.name for p in written] == ["walk.png", "walk.layout.json", "manifest.json"]
    assert json.loads(written[1].read_text()) == layout
    entry = json.loads(written[2].read_text())["sprites"]["anim/walk.png"]
    assert entry["kind"] == "sheet" and entry["layout"] == "anim/walk.layout.json"


def test_refusals_leave_the_project_untouched(project, tmp_path):
    export_to_bevy(project, "items", [ExportItem("gem", png(), {})])
    before = snapshot(project)
    with pytest.raises(BevyExportError, match=r"no Cargo\.toml"):
        export_to_bevy(tmp_path, "items", [ExportItem("gem", png(), {})])
    with pytest.raises(BevyExportError, match="must be a folder name"):
        export_to_bevy(project, "../../etc", [ExportItem("gem", png(), {})])
    (tmp_path / "elsewhere").mkdir()
    (project / "assets/sprites/escape").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(BevyExportError, match="outside"):
        export_to_bevy(project, "escape", [ExportItem("gem", png(), {})])
    (project / "assets/sprites/escape").unlink()
    (project / "assets/sprites/manifest.json").write_text("{not json")
    broken = snapshot(project)
    with pytest.raises(BevyExportError, match="cannot be read as JSON"):
        export_to_bevy(project, "items", [ExportItem("gem", png(), {})])
    assert snapshot(project) == broken
    (project / "assets/sprites/manifest.json").write_bytes(before["assets/sprites/manifest.json"])
    assert snapshot(project) == before


def test_a_failure_halfway_puts_everything_back(project, monkeypatch):
    export_to_bevy(project, "items", [ExportItem("gem", png((1, 1, 1, 255)), {"seed": 1})])
    before = snapshot(project)
    real_replace, calls = os.replace, []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 4:  # after the old gem.png was moved aside and the new one put in place
            raise OSError(28, "No space left on device", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(bevy_export.os, "replace", failing_replace)
    items = [ExportItem("gem", png((2, 2, 2, 255)), {"seed": 2}), ExportItem("new", png(), {"seed": 3})]
    with pytest.raises(BevyExportError, match="No space left on device"):
        export_to_bevy(project, "items", items, force=True)
    monkeypatch.setattr(bevy_export.os, "replace", real_replace)
    assert snapshot(project) == before
    assert not list(project.rglob("*.dgx-*")) and not (project / "assets/sprites/new").exists()


def test_the_same_image_exported_again_reuses_its_file(project):
    """No gem-1.png for an image that is already there: its file and manifest entry are written again."""
    first = export_to_bevy(project, "items", [ExportItem("gem", png((1, 2, 3, 255)), {"seed": 1, "image_id": "a-0"})])
    again = export_to_bevy(project, "items", [ExportItem("gem", png((1, 2, 3, 255)), {"seed": 1, "image_id": "a-0"})])
    assert again == first
    assert sorted(p.name for p in (project / "assets/sprites/items").iterdir()) == ["gem.png"]
    sprites = json.loads((project / "assets/sprites/manifest.json").read_text())["sprites"]
    assert list(sprites) == ["items/gem.png"]
    other = export_to_bevy(project, "items", [ExportItem("gem", png((4, 5, 6, 255)), {"seed": 2})])
    assert other[0].name == "gem-1.png"  # another image under the same name still gets its own file


def test_a_target_that_is_not_a_bevy_project_is_refused_before_anything_is_written(project, tmp_path):
    with pytest.raises(BevyExportError, match="not a Bevy project"):
        bevy_export.check_target(tmp_path, "items")
    with pytest.raises(BevyExportError, match="does not exist"):
        bevy_export.check_target(tmp_path / "missing", "items")
    root, folder = bevy_export.check_target(project, "items/potions")
    assert folder == root / "items" / "potions" and not root.exists()
