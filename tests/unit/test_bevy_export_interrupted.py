"""An export cut short (an error of any kind, Ctrl-C, SIGTERM, or a kill) leaves no temporary files in the game
project: it undoes itself, or the next export tidies up after it."""

import io
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from PIL import Image

from dgx_pixels_tui import bevy_export
from dgx_pixels_tui.bevy_export import ExportItem, export_to_bevy, remove_leftovers


def png(colour=(200, 30, 30, 255)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (8, 8), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def project(tmp_path):
    (tmp_path / "game").mkdir()
    (tmp_path / "game" / "Cargo.toml").write_text('[package]\nname = "game"\n')
    export_to_bevy(tmp_path / "game", "items", [ExportItem("gem", png((1, 1, 1, 255)), {"seed": 1})])
    return tmp_path / "game"


def snapshot(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def leftovers(root):
    return sorted(p.name for p in root.rglob("*.dgx-*"))


def second_export():
    return [ExportItem("gem", png((2, 2, 2, 255)), {"seed": 2}), ExportItem("new", png(), {"seed": 3})]


@pytest.mark.parametrize("failure", [RuntimeError("a bug"), KeyboardInterrupt()])
@pytest.mark.parametrize("where", ["write", "replace"])
def test_any_exception_undoes_the_export(project, monkeypatch, failure, where):
    before = snapshot(project)
    real_fsync, real_replace, calls = os.fsync, os.replace, []

    def fail_second(real):
        def call(*args):
            calls.append(args)
            if len(calls) == 2:  # writing the second file, or after the old gem.png was moved aside
                raise failure
            return real(*args)

        return call

    if where == "write":
        monkeypatch.setattr(bevy_export.os, "fsync", fail_second(real_fsync))
    else:
        monkeypatch.setattr(bevy_export.os, "replace", fail_second(real_replace))
    with pytest.raises(type(failure)):
        export_to_bevy(project, "items", second_export(), force=True)
    monkeypatch.undo()
    assert leftovers(project) == []
    assert snapshot(project) == before


PAUSED_EXPORT = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from dgx_pixels_tui import bevy_export
    from dgx_pixels_tui.bevy_export import ExportItem, export_to_bevy

    real_replace, calls = os.replace, []

    def paused_replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:  # the old gem.png is aside, the new one not yet in place
            print("paused", flush=True)
            time.sleep(60)
        return real_replace(src, dst)

    bevy_export.os.replace = paused_replace
    items = [ExportItem("gem", b"new gem", {"seed": 2}), ExportItem("new", b"new sprite", {"seed": 3})]
    export_to_bevy(Path(sys.argv[1]), "items", items, force=True)
    """
)


def paused_export(project):
    process = subprocess.Popen(
        [sys.executable, "-c", PAUSED_EXPORT, str(project)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout.readline() == "paused\n", process.stderr.read()
    return process


def test_the_export_after_a_killed_one_tidies_up_and_puts_back_what_was_moved_aside(project):
    before = snapshot(project)
    process = paused_export(project)
    process.kill()
    process.wait(10)
    assert "gem.png" not in os.listdir(project / "assets/sprites/items")  # the kill came at the worst moment
    assert leftovers(project)  # what a kill leaves cannot be helped ...
    written = export_to_bevy(project, "other", [ExportItem("coin", png(), {"seed": 4})])
    assert leftovers(project) == []  # ... but the next export clears it
    after = snapshot(project)
    assert after["assets/sprites/items/gem.png"] == before["assets/sprites/items/gem.png"]
    assert "assets/sprites/items/new.png" not in after
    assert [p.name for p in written] == ["coin.png", "manifest.json"]


def test_sigterm_undoes_the_export_and_still_ends_the_process(project):
    before = snapshot(project)
    process = paused_export(project)
    process.send_signal(signal.SIGTERM)
    assert process.wait(10) == -signal.SIGTERM
    assert leftovers(project) == []
    assert snapshot(project) == before


def test_a_running_export_keeps_its_files_and_an_older_version_leftover_goes_once_stale(project):
    items = project / "assets/sprites/items"
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        running = items / f".gem.png.{alive.pid}.dgx-tmp"
        running.write_bytes(b"being written")
        legacy_old, legacy_fresh = items / ".old.png.dgx-tmp", items / ".fresh.png.dgx-tmp"
        legacy_old.write_bytes(b"x")
        legacy_fresh.write_bytes(b"x")
        an_hour_ago = time.time() - 3600
        os.utime(legacy_old, (an_hour_ago, an_hour_ago))
        assert remove_leftovers(project / "assets/sprites") == [legacy_old]
        assert running.exists() and legacy_fresh.exists()
    finally:
        alive.kill()
        alive.wait(10)
    assert remove_leftovers(project / "assets/sprites") == [running]
