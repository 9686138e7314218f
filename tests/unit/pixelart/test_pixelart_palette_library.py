"""The palette library: shipped palettes and the owner's palette files, found by name only, read safely."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time

import numpy as np
import pytest

from dgx_pixels_worker.pixelart import PaletteError, PaletteLibrary, default_library, read_palette_file, run_pipeline
from dgx_pixels_worker.pixelart.palette import MAX_PALETTE_FILE_BYTES, parse_jasc, parse_paint_net


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "palettes"
    folder.mkdir()
    return PaletteLibrary([folder])


def test_each_kind_of_palette_file_is_found_by_its_name(library):
    folder = library.folders[0]
    (folder / "a.hex").write_text("#101010\n202020\n")
    (folder / "b.gpl").write_text("GIMP Palette\nName: Bee\n1 2 3\n")
    (folder / "c.pal").write_text("JASC-PAL\n0100\n2\n255 0 0\n0 0 255\n")
    (folder / "d.txt").write_text("; Paint.NET\nFFFF0000\n00ff00\n")
    (folder / "readme.md").write_text("# not a palette")

    assert library.palette("a").hex() == ["#101010", "#202020"]
    assert library.palette("b").colours == ((1, 2, 3),)
    assert library.palette("c").hex() == ["#ff0000", "#0000ff"]
    assert library.palette("d").hex() == ["#ff0000", "#00ff00"]
    assert library.palette("PICO-8").name == "PICO-8"  # shipped names, spelled loosely
    assert library.names() == ["pico8", "db16", "db32", "gameboy", "nes", "endesga32", "a", "b", "c", "d"]


def test_an_owners_file_wins_over_a_shipped_palette_and_changes_are_read_again(library):
    mine = library.folders[0] / "pico8.hex"
    mine.write_text("000000\n")
    assert library.palette("pico8").hex() == ["#000000"]
    mine.write_text("000000\nffffff\n")
    os.utime(mine, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert library.palette("pico8").hex() == ["#000000", "#ffffff"]


@pytest.mark.parametrize("name", ["/etc/passwd", "../palettes/a", "~/a.hex", "a/b", "", ".hidden", "a b", "x" * 65])
def test_a_name_is_never_a_path(library, name):
    (library.folders[0] / "a.hex").write_text("000000\n")
    with pytest.raises(PaletteError, match=r"is not a palette name.*this worker has pico8.*\ba\b"):
        library.palette(name)


def test_the_refusal_is_the_same_whether_a_path_exists_or_not(library, tmp_path):
    secret = tmp_path / "secret.hex"
    secret.write_text("root:x:0:0\n")
    messages = []
    for path in (str(secret), str(tmp_path / "missing.hex"), str(tmp_path), "/dev/zero"):
        with pytest.raises(PaletteError) as caught:
            library.palette(path)
        messages.append(re.sub(r"^'[^']*'", "NAME", str(caught.value)))  # the name, quoted (shortened if long)
    assert len(set(messages)) == 1 and "root" not in messages[0]


def test_an_unknown_name_lists_the_names_there_are(library):
    (library.folders[0] / "mine.gpl").write_text("GIMP Palette\n1 2 3\n")
    with pytest.raises(PaletteError, match=r"unknown palette 'nope'; this worker has pico8, .*, endesga32, mine; "):
        library.palette("nope")


def _refused_quickly(library, name):
    """The library's answer for `name` within 2 s (a read that blocks would hang the worker's event loop)."""
    outcome: list[BaseException] = []

    def look_up():
        with pytest.raises(PaletteError) as caught:
            library.palette(name)
        outcome.append(caught.value)

    thread = threading.Thread(target=look_up, daemon=True)
    thread.start()
    thread.join(2.0)
    return outcome[0] if outcome else None


def test_a_fifo_a_device_or_a_huge_file_in_the_folder_is_refused_at_once(library, tmp_path):
    folder = library.folders[0]
    fifo = folder / "fifo.hex"
    os.mkfifo(fifo)
    (folder / "zero.pal").symlink_to("/dev/zero")
    (folder / "huge.hex").write_text("000000\n" * (MAX_PALETTE_FILE_BYTES // 7 + 1))
    (folder / "broken.hex").write_text("root:x:0:0\n")
    try:
        for name in ("fifo", "zero", "huge", "broken"):
            error = _refused_quickly(library, name)
            assert error is not None, f"{name} blocked"
            assert f"palette {name!r} of this worker's library cannot be read" in str(error)
            assert str(folder) not in str(error) and "root" not in str(error)
    finally:
        with contextlib.suppress(OSError):  # a reader stuck on the FIFO gets its end of file
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_reading_a_palette_file_refuses_what_is_not_a_small_regular_file(tmp_path):
    fifo = tmp_path / "pipe.hex"
    os.mkfifo(fifo)
    with pytest.raises(PaletteError, match="not a regular file"):
        read_palette_file(fifo)
    with pytest.raises(PaletteError, match="not a regular file"):
        read_palette_file(tmp_path)
    big = tmp_path / "big.hex"
    big.write_text("000000\n" * 20000)
    with pytest.raises(PaletteError, match="at most 65536"):
        read_palette_file(big)
    many = tmp_path / "many.hex"
    many.write_text("".join(f"{n:06x}\n" for n in range(257)))
    with pytest.raises(PaletteError, match="more than 256 colours"):
        read_palette_file(many)


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (parse_jasc, "JASC\n0100\n1\n1 2 3\n", "first line must be 'JASC-PAL'"),
        (parse_jasc, "JASC-PAL\n0100\n1\n1 2 300\n", "line 4"),
        (parse_paint_net, "FF00000\n", "line 1"),
    ],
)
def test_malformed_jasc_and_paint_net_files_name_the_line(parse, text, message):
    with pytest.raises(PaletteError, match=message):
        parse(text)


def test_the_default_library_is_the_owners_config_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    folder = tmp_path / "dgx-pixels" / "palettes"
    folder.mkdir(parents=True)
    (folder / "duo.hex").write_text("000000\nffffff\n")
    assert default_library().folders == (folder,)
    _, record = run_pipeline(np.zeros((4, 4, 3), np.uint8), "palette:duo")
    assert record[0]["found"]["palette_colors"] == 2
