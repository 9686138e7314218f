"""Palettes: the named ones, palette files (.hex, GIMP .gpl, JASC .pal, Paint.NET .txt, a PNG swatch strip),
and mapping an image onto a palette.

A .hex file holds one colour per line, RRGGBB with an optional '#'. Blank lines and comments are
ignored: lines starting with ';' or '//', or with '#' followed by a space (or nothing).

A .gpl file starts with the line "GIMP Palette", may have "Name: ..." and "Columns: ..." lines and
'#' comments, then one colour per line: "R G B" (0..255, whitespace separated), optionally a name.

A .pal file (JASC) is "JASC-PAL", a version line ("0100"), the number of colours, then "R G B" per line;
colours beyond the count are ignored, as Paint Shop Pro does, and fewer than it are an error.

A .txt file (Paint.NET) holds one colour per line, AARRGGBB or RRGGBB hex (alpha ignored); ';' starts a
comment.

A .png file (a swatch strip, as palette sites share them) gives its distinct visible colours in reading order
(left to right, then top to bottom); fully transparent pixels are skipped, and a swatch drawn larger than one
pixel counts once. It is at most 65536 pixels and 256 colours.

Text files may have Windows line ends and a UTF-8 byte order mark. Files are read with a size cap and only
when they are regular files (never a FIFO or a device), so reading one cannot block or grow without bound.
Which palettes a request may name is palette_library's business.
"""

from __future__ import annotations

import io
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .colour import RGB, ImageLike, as_rgba, hex_colour, nearest_indices, parse_colour, unique_colours
from .named_palettes import ALIASES, NAMED

PALETTE_SUFFIXES = (".gpl", ".hex", ".pal", ".txt", ".png")
MAX_PALETTE_COLOURS = 256
MAX_PALETTE_FILE_BYTES = 64 * 1024
MAX_SWATCH_PIXELS = 256 * 256
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_HEX_LINE = re.compile(r"#?([0-9a-fA-F]{6})")
_ARGB_LINE = re.compile(r"(?:[0-9a-fA-F]{2})?([0-9a-fA-F]{6})")
_RGB_TRIPLE = re.compile(r"(\d{1,3})\s+(\d{1,3})\s+(\d{1,3})(?:\s+.*)?")


class PaletteError(ValueError):
    """A palette that cannot be found or read; the message says what to fix."""


@dataclass(frozen=True)
class Palette:
    name: str
    colours: tuple[RGB, ...]

    def array(self) -> np.ndarray:
        """The colours as a (K, 3) uint8 array."""
        return np.array(self.colours, dtype=np.uint8).reshape(-1, 3)

    def hex(self) -> list[str]:
        """The colours as "#rrggbb" strings."""
        return [hex_colour(c) for c in self.colours]


def canonical_name(name: str) -> str:
    """The key of a palette name, ignoring case, spaces, '-' and '_' ("PICO-8" -> "pico8")."""
    key = re.sub(r"[\s_\-]", "", name.lower())
    return ALIASES.get(key, key)


def palette_names() -> list[str]:
    """The keys of the named palettes shipped with dgx-pixels."""
    return list(NAMED)


def is_named_palette(name: str) -> bool:
    return canonical_name(name) in NAMED


def named_palette(name: str) -> Palette:
    """The shipped palette of that name; PaletteError listing the known names if there is none."""
    key = canonical_name(name)
    if key not in NAMED:
        raise PaletteError(f"unknown palette {name!r}; use one of {', '.join(NAMED)}")
    title, data = NAMED[key]
    return parse_hex(data.replace(" ", "\n"), title)


def palette_from_colours(colours: list[str] | tuple[str, ...], name: str = "custom") -> Palette:
    """A palette of "#rrggbb" colours, as a request sends them; PaletteError naming the first bad one."""
    parsed = []
    for number, value in enumerate(colours, start=1):
        try:
            parsed.append(parse_colour(value))
        except (ValueError, TypeError):
            raise PaletteError(f"colour {number} ({value!r}) is not a colour like #1a1c2c") from None
    return _checked(name, parsed)


def read_palette_file(path: Path, max_bytes: int = MAX_PALETTE_FILE_BYTES) -> Palette:
    """The palette in a palette file, by its suffix (a file with none of the known suffixes is read as GIMP's
    if it starts so, else as .hex). Only a regular file of at most `max_bytes` is read."""
    data = read_small_file(path, max_bytes)
    if path.suffix.lower() == ".png" or data.startswith(_PNG_MAGIC):
        try:
            return parse_swatch_png(data, path.stem)
        except PaletteError as exc:
            raise PaletteError(f"{path}: {exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PaletteError(f"{path}: not a text file") from None
    try:
        return parse_palette(text, path.suffix, path.stem)
    except PaletteError as exc:
        raise PaletteError(f"{path}: {exc}") from None


def read_small_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file no larger than `max_bytes`; PaletteError otherwise. Opened without blocking
    and checked before reading, so a FIFO, a device or a huge file costs nothing."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise PaletteError(f"palette file not found: {path}") from None
    except OSError as exc:
        raise PaletteError(f"cannot read palette file {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise PaletteError(f"{path} is not a regular file")
        if info.st_size > max_bytes:
            raise PaletteError(f"{path} is {info.st_size} bytes; a palette file is at most {max_bytes}")
        data = os.read(fd, max_bytes + 1)
    except OSError as exc:
        raise PaletteError(f"cannot read palette file {path}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise PaletteError(f"{path} is larger than {max_bytes} bytes, the most a palette file may be")
    return data


def parse_palette(text: str, suffix: str, name: str = "custom") -> Palette:
    """The palette of a file's text, by the file's suffix."""
    kind = suffix.lower()
    if kind == ".gpl" or (kind not in PALETTE_SUFFIXES and text.lstrip().startswith("GIMP Palette")):
        return parse_gpl(text, name)
    if kind == ".pal":
        return parse_jasc(text, name)
    if kind == ".txt":
        return parse_paint_net(text, name)
    return parse_hex(text, name)


def parse_swatch_png(data: bytes, name: str = "custom") -> Palette:
    """The palette of a PNG swatch strip: its distinct visible colours in reading order; PaletteError when the
    data is no PNG, the image is larger than MAX_SWATCH_PIXELS or holds more than 256 colours."""
    from PIL import Image, UnidentifiedImageError

    if not data.startswith(_PNG_MAGIC):
        raise PaletteError("not a PNG image")
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_SWATCH_PIXELS:
                raise PaletteError(
                    f"the image is {width}x{height}; a swatch strip is at most {MAX_SWATCH_PIXELS} pixels"
                )
            rgba = np.asarray(image.convert("RGBA"), dtype=np.uint8).reshape(-1, 4)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, PaletteError):
            raise
        raise PaletteError(f"not a readable PNG image ({exc})") from None
    visible = rgba[rgba[:, 3] > 0][:, :3]
    if len(visible) == 0:
        raise PaletteError("the palette has no colours: every pixel of the image is transparent")
    _, first = np.unique(visible, axis=0, return_index=True)
    colours = [tuple(int(v) for v in visible[i]) for i in sorted(first)]
    if len(colours) > MAX_PALETTE_COLOURS:
        raise PaletteError(f"the image has {len(colours)} colours; a swatch strip has at most {MAX_PALETTE_COLOURS}")
    return _checked(name, [(c[0], c[1], c[2]) for c in colours])


def parse_hex(text: str, name: str = "custom") -> Palette:
    """The palette of .hex text; PaletteError naming the first bad line."""
    colours = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if _is_comment(line):
            continue
        colours.append(_hex_line(number, line, _HEX_LINE, "RRGGBB"))
    return _checked(name, colours)


def parse_gpl(text: str, name: str = "custom") -> Palette:
    """The palette of GIMP .gpl text (its Name: line wins over `name`); PaletteError naming the first bad line."""
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or lines[first].strip() != "GIMP Palette":
        raise PaletteError("not a GIMP palette: the first line must be 'GIMP Palette'")
    colours = []
    for number, raw in enumerate(lines[first + 1 :], start=first + 2):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower().startswith("name:"):
            name = line[5:].strip() or name
            continue
        if line.lower().startswith("columns:"):
            continue
        colours.append(_rgb_line(number, line))
    return _checked(name, colours)


def parse_jasc(text: str, name: str = "custom") -> Palette:
    """The palette of JASC .pal text; PaletteError naming the first bad line."""
    lines = [line.strip() for line in text.splitlines()]
    if not lines or lines[0] != "JASC-PAL":
        raise PaletteError("not a JASC palette: the first line must be 'JASC-PAL'")
    if len(lines) < 3 or not re.fullmatch(r"\d{1,4}", lines[1]) or not re.fullmatch(r"\d{1,3}", lines[2]):
        raise PaletteError("not a JASC palette: 'JASC-PAL' is followed by the version (0100) and the colour count")
    count = int(lines[2])
    colours = [_rgb_line(number, line) for number, line in enumerate(lines[3:], start=4) if line][:count]
    if len(colours) < count:
        raise PaletteError(f"line 3 says {count} colours, the file has {len(colours)}")
    return _checked(name, colours)


def parse_paint_net(text: str, name: str = "custom") -> Palette:
    """The palette of Paint.NET .txt text (AARRGGBB per line, ';' comments); PaletteError naming the first bad
    line."""
    colours = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        colours.append(_hex_line(number, line, _ARGB_LINE, "AARRGGBB"))
    return _checked(name, colours)


def _hex_line(number: int, line: str, pattern: re.Pattern[str], form: str) -> RGB:
    match = pattern.fullmatch(line)
    if not match:
        raise _bad_line(number, line, f"one {form} hex colour per line")
    value = match.group(1)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _rgb_line(number: int, line: str) -> RGB:
    match = _RGB_TRIPLE.fullmatch(line)
    if not match or any(int(v) > 255 for v in match.groups()):
        raise _bad_line(number, line, "'R G B [name]' with numbers 0..255")
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


def _bad_line(number: int, line: str, form: str) -> PaletteError:
    shown = line if len(line) <= 40 else line[:37] + "..."
    return PaletteError(f"line {number}: {shown!r} is not a colour; write {form}")


def _is_comment(line: str) -> bool:
    return not line or line == "#" or line.startswith((";", "//", "# ", "#\t"))


def _checked(name: str, colours: list[RGB]) -> Palette:
    if not colours:
        raise PaletteError("the palette has no colours")
    if len(colours) > MAX_PALETTE_COLOURS:
        raise PaletteError(f"the palette has more than {MAX_PALETTE_COLOURS} colours")
    return Palette(name, tuple(colours))


def map_to_palette(image: ImageLike, palette: Palette) -> np.ndarray:
    """The (H, W, 4) image with each visible pixel's colour replaced by the nearest palette colour.

    Pixels already in the palette keep their colour; the rest go to the nearest by CIELAB distance.
    Alpha is left alone, and so are fully transparent pixels.
    """
    rgba = as_rgba(image)
    visible = rgba[:, :, 3] > 0
    colours, inverse, _ = unique_colours(rgba[visible][:, :3])
    pal = palette.array()
    rgba[visible, :3] = pal[nearest_indices(colours, pal)][inverse]
    return rgba
