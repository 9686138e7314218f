"""Named palettes, .hex and .gpl files, mapping onto a palette, and quantising to N colours."""

from __future__ import annotations

import numpy as np
import pytest

from dgx_pixels_worker.pixelart import (
    PaletteError,
    count_colours,
    map_to_palette,
    named_palette,
    palette_names,
    parse_gpl,
    parse_hex,
    quantize,
    read_palette_file,
)


@pytest.mark.parametrize(
    ("name", "count"),
    [("pico8", 16), ("db16", 16), ("db32", 32), ("gameboy", 4), ("nes", 55), ("endesga32", 32)],
)
def test_named_palettes_have_their_distinct_colours(name, count):
    palette = named_palette(name)
    assert len(palette.colours) == count
    assert len(set(palette.colours)) == count


def test_named_palettes_are_all_listed_and_spelled_loosely():
    assert set(palette_names()) == {"pico8", "db16", "db32", "gameboy", "nes", "endesga32"}
    assert named_palette("PICO-8").colours == named_palette("pico_8").colours
    assert named_palette("DawnBringer 32").colours == named_palette("db32").colours
    assert named_palette("Game Boy").hex() == ["#0f380f", "#306230", "#8bac0f", "#9bbc0f"]
    assert named_palette("ENDESGA-32").hex()[:2] == ["#be4a2f", "#d77643"]


def test_unknown_palette_name_lists_the_known_ones():
    with pytest.raises(PaletteError, match=r"unknown palette 'pico9'.*pico8.*endesga32"):
        named_palette("pico9")


@pytest.mark.parametrize("name", ["pico8", "db16", "db32", "gameboy", "nes", "endesga32"])
def test_palette_colours_map_onto_themselves(name):
    palette = named_palette(name)
    colours = palette.array()
    image = np.zeros((3, len(colours), 4), dtype=np.uint8)
    image[:, :, :3] = colours
    image[:, :, 3] = [[255], [128], [1]]
    assert np.array_equal(map_to_palette(image, palette), image)


def test_other_colours_go_to_the_nearest_and_alpha_is_kept():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (16, 16, 4), dtype=np.uint8)
    pico = named_palette("pico8")

    out = map_to_palette(image, pico)

    visible = image[:, :, 3] > 0
    assert np.array_equal(out[:, :, 3], image[:, :, 3])
    assert set(map(tuple, out[visible][:, :3])) <= set(pico.colours)
    assert np.array_equal(out[~visible], image[~visible])
    pure = np.array([[[250, 5, 70, 255], [2, 2, 2, 255], [250, 250, 245, 255]]], dtype=np.uint8)
    assert [tuple(c) for c in map_to_palette(pure, pico)[0, :, :3]] == [(255, 0, 77), (0, 0, 0), (255, 241, 232)]


def test_hex_files_allow_hash_comments_blank_lines_and_crlf(tmp_path):
    path = tmp_path / "mine.hex"
    path.write_text("; my palette\r\n#1A1C2C\r\n\r\n5d275d\r\n# shadows\r\n// old\r\nB13E53\r\n")

    palette = read_palette_file(path)

    assert palette.name == "mine"
    assert palette.hex() == ["#1a1c2c", "#5d275d", "#b13e53"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1a1c2c\n5d275\n", "line 2: '5d275' is not a colour"),
        ("1a1c2c\n#zz0000\n", "line 2: '#zz0000' is not a colour"),
        ("1a1c2c ff0000\n", "line 1"),
        ("; nothing\n\n", "no colours"),
    ],
)
def test_malformed_hex_is_a_clear_error(text, message):
    with pytest.raises(PaletteError, match=message):
        parse_hex(text)


def test_gpl_files_read_name_columns_comments_and_colour_names(tmp_path):
    path = tmp_path / "sweetie.gpl"
    path.write_text(
        "GIMP Palette\nName: Sweetie\nColumns: 4\n#\n# comment\n 26  28  44\tblack\n93 39 93\n\n177 62 83 red wine\n"
    )

    palette = read_palette_file(path)

    assert palette.name == "Sweetie"
    assert palette.colours == ((26, 28, 44), (93, 39, 93), (177, 62, 83))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Palette\n1 2 3\n", "first line must be 'GIMP Palette'"),
        ("GIMP Palette\n1 2 300\n", "line 2: '1 2 300' is not a colour"),
        ("GIMP Palette\nName: x\n1 2\n", "line 3"),
        ("GIMP Palette\n# only comments\n", "no colours"),
    ],
)
def test_malformed_gpl_is_a_clear_error(text, message):
    with pytest.raises(PaletteError, match=message):
        parse_gpl(text)


def test_palette_file_errors_name_the_file(tmp_path):
    with pytest.raises(PaletteError, match="not found"):
        read_palette_file(tmp_path / "missing.hex")
    bad = tmp_path / "bad.gpl"
    bad.write_text("GIMP Palette\nred green blue\n")
    with pytest.raises(PaletteError, match=r"bad\.gpl: line 2"):
        read_palette_file(bad)


def test_quantize_reduces_deterministically_and_keeps_alpha(sprite):
    image = sprite("red knight", 7, 64)
    noisy = image.copy()
    noise = np.random.default_rng(1).integers(-6, 7, noisy[:, :, :3].shape)
    noisy[:, :, :3] = np.clip(noisy[:, :, :3] + noise, 0, 255)
    assert count_colours(noisy) > 200

    first, second = quantize(noisy, 16), quantize(noisy, 16)

    assert np.array_equal(first, second)
    assert count_colours(first) <= 16
    assert np.array_equal(first[:, :, 3], noisy[:, :, 3])
    assert np.abs(first[:, :, :3].astype(int) - noisy[:, :, :3]).max(axis=2)[image[:, :, 3] > 0].mean() < 20


def test_quantize_leaves_few_colours_alone_and_checks_the_count(sprite):
    image = sprite("purple gem", 2, 32)
    assert np.array_equal(quantize(image, count_colours(image)), image)
    with pytest.raises(ValueError, match=r"2\.\.256"):
        quantize(image, 1)
