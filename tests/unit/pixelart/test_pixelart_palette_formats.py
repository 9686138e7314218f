"""Palette files as people share them: GIMP .gpl as GIMP and Lospec write them, .hex, JASC .pal (Windows line
ends), and PNG swatch strips; read by the worker's library and by the client for `--post palette:FILE`."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from dgx_pixels_worker.pixelart import PaletteError, read_palette_file
from dgx_pixels_worker.pixelart.palette import parse_jasc
from dgx_pixels_worker.pixelart.palette_library import PaletteLibrary
from dgx_pixels_worker.pixelart.pipeline_spec import PipelineError, with_local_palettes

SWEETIE = ["#1a1c2c", "#5d275d", "#b13e53", "#ef7d57"]

GIMP_EXPORT = (
    "GIMP Palette\n"
    "Name: Sweetie 16\n"
    "Columns: 4\n"
    "#\n"
    " 26  28  44\tUntitled\n"
    " 93  39  93\tUntitled\n"
    "177  62  83\tUntitled\n"
    "239 125  87\tUntitled\n"
)
LOSPEC_GPL = (
    "GIMP Palette\r\n"
    "#Palette Name: Sweetie 16\r\n"
    "#Description: by GrafxKid\r\n"
    "#Colors: 4\r\n"
    "26\t28\t44\t1a1c2c\r\n"
    "93\t39\t93\t5d275d\r\n"
    "177\t62\t83\tb13e53\r\n"
    "239\t125\t87\tef7d57\r\n"
)
LOSPEC_HEX = "1a1c2c\r\n5d275d\r\nb13e53\r\nef7d57\r\n"
JASC = "JASC-PAL\r\n0100\r\n4\r\n26 28 44\r\n93 39 93\r\n177 62 83\r\n239 125 87\r\n"


def swatch_png(colours: list[tuple[int, int, int, int]], cell: int = 1, rows: int = 1) -> bytes:
    """A strip of `cell`x`cell` swatches, `len(colours) // rows` to a row."""
    per_row = len(colours) // rows
    pixels = np.zeros((rows * cell, per_row * cell, 4), np.uint8)
    for i, colour in enumerate(colours):
        r, c = divmod(i, per_row)
        pixels[r * cell : (r + 1) * cell, c * cell : (c + 1) * cell] = colour
    out = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(out, "PNG")
    return out.getvalue()


def rgba(hex_colour: str) -> tuple[int, int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16), 255


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("gimp.gpl", GIMP_EXPORT),
        ("lospec.gpl", LOSPEC_GPL),
        ("lospec.hex", LOSPEC_HEX),
        ("bom.hex", "\ufeff#1A1C2C\n# comment\n\n5D275D\nb13e53\n#ef7d57\n"),
        ("jasc.pal", JASC),
        ("jasc-lf.pal", JASC.replace("\r\n", "\n")),
    ],
    ids=["gimp", "lospec-gpl", "lospec-hex", "bom-hex", "jasc-crlf", "jasc-lf"],
)
def test_shared_text_palettes_read_the_same_colours(tmp_path, filename, content):
    path = tmp_path / filename
    path.write_bytes(content.encode("utf-8"))
    assert read_palette_file(path).hex() == SWEETIE


def test_a_png_swatch_strip_gives_its_colours_in_reading_order(tmp_path):
    path = tmp_path / "strip.png"
    # 8x8 swatches, two rows, one colour repeated and one transparent cell: each colour once, in reading order
    colours = [rgba(SWEETIE[0]), rgba(SWEETIE[1]), (0, 0, 0, 0), rgba(SWEETIE[2]), rgba(SWEETIE[0]), rgba(SWEETIE[3])]
    path.write_bytes(swatch_png(colours, cell=8, rows=2))
    palette = read_palette_file(path)
    assert palette.hex() == SWEETIE
    assert palette.name == "strip"


def test_a_one_pixel_a_colour_strip_of_256_colours_is_read_and_257_are_refused(tmp_path):
    many = [(i, 255 - i, i // 2, 255) for i in range(256)]
    (tmp_path / "full.png").write_bytes(swatch_png(many))
    assert len(read_palette_file(tmp_path / "full.png").colours) == 256
    (tmp_path / "over.png").write_bytes(swatch_png([*many, (1, 2, 3, 255)]))
    with pytest.raises(PaletteError, match="257 colours; a swatch strip has at most 256"):
        read_palette_file(tmp_path / "over.png")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\nbroken", "not a readable PNG image"),
        (b"GIMP Palette\n", "not a PNG image"),
        (swatch_png([(0, 0, 0, 0)] * 4), "every pixel of the image is transparent"),
        (swatch_png([(1, 2, 3, 255)] * 2, cell=200), "400x200; a swatch strip is at most 65536 pixels"),
    ],
    ids=["truncated", "text", "transparent", "too-large"],
)
def test_a_bad_png_is_a_clear_error_naming_the_file(tmp_path, data, message):
    path = tmp_path / "bad.png"
    path.write_bytes(data)
    with pytest.raises(PaletteError, match=message) as caught:
        read_palette_file(path)
    assert str(path) in str(caught.value)


def test_the_library_serves_a_png_strip_by_its_name_and_a_text_file_wins_over_it(tmp_path):
    (tmp_path / "strip.png").write_bytes(swatch_png([rgba(c) for c in SWEETIE]))
    library = PaletteLibrary([tmp_path])
    assert "strip" in library.names()
    assert library.palette("strip").hex() == SWEETIE
    (tmp_path / "strip.hex").write_text("000000\n")
    assert library.palette("strip").hex() == ["#000000"]


def test_the_client_sends_a_local_png_strip_as_its_colours(tmp_path):
    path = tmp_path / "strip.png"
    path.write_bytes(swatch_png([rgba(c) for c in SWEETIE], cell=4))
    assert with_local_palettes(f"grid,palette:{path}") == [{"op": "grid"}, {"op": "palette", "colors": SWEETIE}]
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(PipelineError, match=r"step 1 \(palette\).*not a PNG image"):
        with_local_palettes(f"palette:{tmp_path / 'broken.png'}")


def test_the_listing_has_every_name_with_its_colours_and_says_which_file_is_broken(tmp_path):
    (tmp_path / "pico8.hex").write_text("000000\n")
    (tmp_path / "broken.gpl").write_text("not GIMP\n")
    (tmp_path / "strip.png").write_bytes(swatch_png([rgba(c) for c in SWEETIE]))
    listing = {
        name: (palette, shipped, error) for name, palette, shipped, error in PaletteLibrary([tmp_path]).listing()
    }
    assert listing["db16"][0] is not None and len(listing["db16"][0].colours) == 16 and listing["db16"][1]
    assert listing["pico8"][0] is not None and listing["pico8"][0].hex() == ["#000000"] and not listing["pico8"][1]
    assert listing["strip"][0] is not None and listing["strip"][0].hex() == SWEETIE
    assert listing["broken"][0] is None and "cannot be read" in str(listing["broken"][2])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("JASC-PAL\n16\n0 0 0\n255 255 255\n", "followed by the version \\(0100\\) and the colour count"),
        ("JASC-PAL\r\n0100\r\n3\r\n0 0 0\r\n255 255 255\r\n", "line 3 says 3 colours, the file has 2"),
    ],
    ids=["no-version", "short"],
)
def test_a_jasc_header_that_does_not_fit_is_a_clear_error(text, message):
    with pytest.raises(PaletteError, match=message):
        parse_jasc(text)


def test_jasc_colours_beyond_the_count_are_not_read():
    assert parse_jasc("JASC-PAL\n0100\n1\n1 2 3\n4 5 6\n").hex() == ["#010203"]
