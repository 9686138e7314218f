"""Palettes: the named ones, a user's .hex or GIMP .gpl file, and mapping an image onto a palette.

A .hex file holds one colour per line, RRGGBB with an optional '#'. Blank lines and comments are
ignored: lines starting with ';' or '//', or with '#' followed by a space (or nothing).

A .gpl file starts with the line "GIMP Palette", may have "Name: ..." and "Columns: ..." lines and
'#' comments, then one colour per line: "R G B" (0..255, whitespace separated), optionally a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .colour import RGB, ImageLike, as_rgba, hex_colour, nearest_indices, unique_colours
from .named_palettes import ALIASES, NAMED

PALETTE_SUFFIXES = (".hex", ".gpl")
_HEX_LINE = re.compile(r"#?([0-9a-fA-F]{6})")
_GPL_COLOUR = re.compile(r"(\d{1,3})\s+(\d{1,3})\s+(\d{1,3})(?:\s+.*)?")


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
    """The keys of the named palettes."""
    return list(NAMED)


def named_palette(name: str) -> Palette:
    """The named palette; PaletteError listing the known names if there is none of that name."""
    key = canonical_name(name)
    if key not in NAMED:
        raise PaletteError(
            f"unknown palette {name!r}; use one of {', '.join(NAMED)} or the path of a .hex or .gpl file"
        )
    title, data = NAMED[key]
    return parse_hex(data.replace(" ", "\n"), title)


def load_palette(spec: str | Path) -> Palette:
    """A named palette, or the palette in a .hex or .gpl file when `spec` is a path to one."""
    path = Path(spec)
    if isinstance(spec, Path) or path.suffix.lower() in PALETTE_SUFFIXES or len(path.parts) > 1:
        return read_palette_file(path)
    return named_palette(str(spec))


def read_palette_file(path: Path) -> Palette:
    """The palette in a .hex or .gpl file (by suffix; a file with neither is read as GIMP's if it starts so)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PaletteError(f"palette file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PaletteError(f"cannot read palette file {path}: {exc}") from None
    gpl = path.suffix.lower() == ".gpl" or (path.suffix.lower() != ".hex" and text.startswith("GIMP Palette"))
    try:
        return parse_gpl(text, path.stem) if gpl else parse_hex(text, path.stem)
    except PaletteError as exc:
        raise PaletteError(f"{path}: {exc}") from None


def parse_hex(text: str, name: str = "custom") -> Palette:
    """The palette of .hex text; PaletteError naming the first bad line."""
    colours = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if _is_comment(line):
            continue
        match = _HEX_LINE.fullmatch(line)
        if not match:
            raise PaletteError(f"line {number}: {line!r} is not a colour; write one RRGGBB hex colour per line")
        value = match.group(1)
        colours.append((int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)))
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
        match = _GPL_COLOUR.fullmatch(line)
        if not match or any(int(v) > 255 for v in match.groups()):
            raise PaletteError(f"line {number}: {line!r} is not a colour; write 'R G B [name]' with numbers 0..255")
        colours.append((int(match.group(1)), int(match.group(2)), int(match.group(3))))
    return _checked(name, colours)


def _is_comment(line: str) -> bool:
    return not line or line == "#" or line.startswith((";", "//", "# ", "#\t"))


def _checked(name: str, colours: list[RGB]) -> Palette:
    if not colours:
        raise PaletteError("the palette has no colours")
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
