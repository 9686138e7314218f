"""The palettes a request may name: the shipped ones and the palette files of the worker's owner.

A request names a palette, never a file. A name is `[A-Za-z0-9][A-Za-z0-9._-]*` (at most 64 characters) and
is looked up among the files `NAME.gpl`, `.hex`, `.pal`, `.txt` or `.png` (a swatch strip) in the owner's palette folder
(`$XDG_CONFIG_HOME/dgx-pixels/palettes`), then among the shipped palettes (pico8, db16, ...; spelled loosely,
see palette.canonical_name). Files are found by listing the folder, never by joining a request's text to a
path; each is read on first use (a regular file of at most 64 KiB, opened without blocking) and again when
it changes. A name the library does not hold is refused with the names it does hold, and the refusal is the
same whatever the file system holds elsewhere. A palette file of the user's own is read by the client and
sent as colours.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path

from .palette import (
    PALETTE_SUFFIXES,
    Palette,
    PaletteError,
    is_named_palette,
    named_palette,
    palette_names,
    read_palette_file,
)

log = logging.getLogger(__name__)

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_FOLDER_ENTRIES = 1000  # entries of a palette folder looked at; the rest are ignored
LISTED_NAMES = 40  # names a refusal lists before "and N more"


class PaletteLibrary:
    """The shipped palettes plus the palette files in `folders` (an earlier folder wins on a shared name)."""

    def __init__(self, folders: Sequence[Path] = ()):
        self.folders = tuple(folders)
        self._lock = threading.Lock()
        self._cache: dict[Path, tuple[tuple[int, int, int], Palette]] = {}

    def names(self) -> list[str]:
        """Every name a request may use: the shipped palettes, then the owner's files in name order."""
        shipped = palette_names()
        return shipped + sorted(name for name in self._files() if name not in shipped)

    def listing(self) -> list[tuple[str, Palette | None, bool, str | None]]:
        """Every name with its palette (None when the owner's file cannot be read), whether it is a shipped
        palette, and why a file cannot be used."""
        files = self._files()
        out: list[tuple[str, Palette | None, bool, str | None]] = []
        for name in self.names():
            try:
                out.append((name, self.palette(name), name not in files, None))
            except PaletteError as exc:
                out.append((name, None, False, str(exc)))
        return out

    def palette(self, name: object) -> Palette:
        """The palette of that name; PaletteError listing the names there are when there is none."""
        if not isinstance(name, str):
            raise PaletteError(f"a palette name is a text, not {name!r}; {self._offer()}")
        valid = NAME_PATTERN.fullmatch(name) is not None
        path = self._files().get(name) if valid else None
        if path is not None:
            return self._read(name, path)
        if is_named_palette(name):
            return named_palette(name)
        if not valid:
            raise PaletteError(
                f"{name[:80]!r} is not a palette name (letters, digits, '.', '_' and '-'); {self._offer()}"
            )
        raise PaletteError(f"unknown palette {name!r}; {self._offer()}")

    def _offer(self) -> str:
        names = self.names()
        listed = ", ".join(names[:LISTED_NAMES])
        more = f" and {len(names) - LISTED_NAMES} more" if len(names) > LISTED_NAMES else ""
        return (
            f"this worker has {listed}{more}; for a palette of your own, send its colours "
            "(the command line reads a palette file for you)"
        )

    def _files(self) -> dict[str, Path]:
        """Palette files by name, found by listing the folders (the first suffix of PALETTE_SUFFIXES wins)."""
        found: dict[str, Path] = {}
        for folder in self.folders:
            here: dict[str, tuple[int, Path]] = {}
            try:
                with os.scandir(folder) as entries:
                    for count, entry in enumerate(entries):
                        if count >= MAX_FOLDER_ENTRIES:
                            break
                        stem, dot, suffix = entry.name.rpartition(".")
                        kind = f".{suffix.lower()}"
                        if not dot or kind not in PALETTE_SUFFIXES or not NAME_PATTERN.fullmatch(stem):
                            continue
                        rank = PALETTE_SUFFIXES.index(kind)
                        if stem not in here or rank < here[stem][0]:
                            here[stem] = (rank, Path(entry.path))
            except OSError:
                continue
            for stem, (_, path) in here.items():
                found.setdefault(stem, path)
        return found

    def _read(self, name: str, path: Path) -> Palette:
        try:
            info = path.stat()
            key = (info.st_mtime_ns, info.st_size, info.st_ino)
            with self._lock:
                cached = self._cache.get(path)
            if cached is not None and cached[0] == key:
                return cached[1]
            palette = read_palette_file(path)
        except (OSError, PaletteError) as exc:
            log.warning("palette %r cannot be used: %s", name, exc)
            raise PaletteError(
                f"palette {name!r} of this worker's library cannot be read; its owner finds why in the worker's log"
            ) from None
        with self._lock:
            self._cache[path] = (key, palette)
        return palette


_defaults: dict[Path, PaletteLibrary] = {}


def default_library() -> PaletteLibrary:
    """The library of this process's owner: the shipped palettes and `$XDG_CONFIG_HOME/dgx-pixels/palettes`."""
    from ..settings import paths  # here: settings imports the pipeline spec, which imports this module

    folder = paths.config_home() / "palettes"
    library = _defaults.get(folder)
    if library is None:
        library = _defaults.setdefault(folder, PaletteLibrary([folder]))
    return library
