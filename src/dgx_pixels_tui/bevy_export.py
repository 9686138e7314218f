"""Copying sprites and sheets into a Bevy project: `assets/sprites/<category>/`, a manifest of where each came
from, and for sheets the grid layout that `TextureAtlasLayout::from_grid` takes. Plain Python, no Textual.

All or nothing: every file is first written beside its target under a temporary name, then renamed into
place; if anything fails, what this export created is removed and what it replaced is put back, so the
project's files are as they were. Nothing is overwritten unless `force` is given; otherwise a name that is
taken gets `-1`, `-2`, ... Names are reduced to lowercase letters, digits, `-` and `_`, and every path must
stay inside the project's `assets/sprites`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPRITES_DIR = Path("assets") / "sprites"
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


class BevyExportError(Exception):
    """The export cannot be done; the message says why and what to do. The project is unchanged."""


@dataclass(frozen=True)
class ExportItem:
    """One PNG to export; `layout` (tile_size, columns, rows, padding, offset, frames) makes it a sheet."""

    name: str
    png: bytes
    source: dict[str, Any]  # the generation parameters, kept in the manifest
    layout: dict[str, Any] | None = None


@dataclass
class _Plan:
    writes: list[tuple[Path, bytes]] = field(default_factory=list)  # final path, content
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # manifest key -> entry


def clean_name(text: str, fallback: str = "sprite") -> str:
    """Lowercase letters, digits, '-' and '_' only, at most 64 characters; `fallback` when nothing is left."""
    name = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")[:64].strip("-_")
    return name or fallback


def sprite_name(params: dict[str, Any]) -> str:
    """A file name from an image's generation parameters: its prompt and seed."""
    return f"{clean_name(str(params.get('prompt', 'sprite')))[:40].strip('-')}-{params.get('seed', 0)}"


def clean_category(text: str) -> Path:
    """A relative folder under assets/sprites: each part cleaned; '..', absolute paths and empty parts refused."""
    parts = [part for part in re.split(r"[\\/]+", text.strip()) if part not in ("", ".")]
    if text.strip().startswith(("/", "\\")) or ".." in parts or not parts:
        raise BevyExportError(f"category {text!r} must be a folder name such as 'characters' or 'items/potions'")
    return Path(*(clean_name(part, "misc") for part in parts))


def sheet_item(items: list[ExportItem], name: str = "", columns: int | None = None, padding: int = 0) -> ExportItem:
    """The items' images as one sprite sheet (frames in order), its layout and every frame's source."""
    import io

    from PIL import Image

    from dgx_pixels_worker.pixelart import build_sheet

    frames = [Image.open(io.BytesIO(item.png)).convert("RGBA") for item in items]
    sheet = build_sheet(frames, names=[item.name for item in items], columns=columns, padding=padding)
    buffer = io.BytesIO()
    sheet.image.save(buffer, "PNG")
    return ExportItem(
        name or f"{items[0].name}-sheet", buffer.getvalue(), {"frames": [i.source for i in items]}, layout=sheet.atlas
    )


def export_to_bevy(project: Path, category: str, items: list[ExportItem], *, force: bool = False) -> list[Path]:
    """Write `items` into the project; returns the paths written (PNGs, then layouts, then the manifest)."""
    project = project.expanduser()
    if not (project / "Cargo.toml").is_file():
        raise BevyExportError(f"{project} is not a Bevy project (no Cargo.toml there); give the project's root folder")
    if not items:
        raise BevyExportError("nothing to export: name at least one image")
    root = (project / SPRITES_DIR).resolve()
    folder = (root / clean_category(category)).resolve()
    if not folder.is_relative_to(root) or not root.is_relative_to(project.resolve()):
        raise BevyExportError(
            f"{folder} is outside {project}'s assets/sprites (a symbolic link?); choose another category"
        )
    manifest_path = root / MANIFEST_NAME
    manifest = _read_manifest(manifest_path)
    plan = _plan(root, folder, items, force)
    manifest["sprites"].update(plan.entries)
    plan.writes.append((manifest_path, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()))
    _write_all(plan.writes)
    return [path for path, _ in plan.writes]


def _read_manifest(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"version": MANIFEST_VERSION, "generator": "dgx-pixels", "sprites": {}}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BevyExportError(f"{path} cannot be read as JSON ({exc}); fix or move it, then export again") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("sprites"), dict):
        raise BevyExportError(f"{path} is not a dgx-pixels manifest (no 'sprites' map); move it aside and export again")
    return manifest


def _plan(root: Path, folder: Path, items: list[ExportItem], force: bool) -> _Plan:
    plan, taken = _Plan(), set[str]()
    now = time.time()
    for item in items:
        stem = _free_stem(folder, clean_name(item.name), taken, force, item.layout is not None)
        taken.add(stem)
        image_path = folder / f"{stem}.png"
        plan.writes.append((image_path, item.png))
        entry: dict[str, Any] = {"source": item.source, "exported_at": now, "kind": "sprite"}
        if item.layout is not None:
            layout_path = folder / f"{stem}.layout.json"
            plan.writes.append((layout_path, (json.dumps(item.layout, indent=2) + "\n").encode()))
            entry.update(kind="sheet", layout=layout_path.relative_to(root).as_posix())
        plan.entries[image_path.relative_to(root).as_posix()] = entry
    return plan


def _free_stem(folder: Path, stem: str, taken: set[str], force: bool, sheet: bool) -> str:
    def free(candidate: str) -> bool:
        if candidate in taken:
            return False
        if force:
            return True
        return not (folder / f"{candidate}.png").exists() and not (
            sheet and (folder / f"{candidate}.layout.json").exists()
        )

    candidate, n = stem, 0
    while not free(candidate):
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def _write_all(writes: list[tuple[Path, bytes]]) -> None:
    """Temporary files first, then renames; on any failure undo everything done so far."""
    made_dirs: list[Path] = []
    temporaries: list[tuple[Path, Path]] = []
    done: list[tuple[Path, Path | None]] = []  # final path, backup of what it replaced
    try:
        for final, data in writes:
            for parent in reversed([final.parent, *final.parent.parents]):
                if not parent.exists():
                    parent.mkdir()
                    made_dirs.append(parent)
            temporary = final.with_name(f".{final.name}.dgx-tmp")
            with temporary.open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            temporaries.append((temporary, final))
        for temporary, final in temporaries:
            backup = None
            if final.exists():
                backup = final.with_name(f".{final.name}.dgx-old")
                os.replace(final, backup)
            done.append((final, backup))
            os.replace(temporary, final)
    except OSError as exc:
        _undo(temporaries, done, made_dirs)
        raise BevyExportError(
            f"could not write {exc.filename or 'the project'} ({exc.strerror}); nothing was changed"
        ) from None
    for _, backup in done:
        if backup is not None:
            backup.unlink(missing_ok=True)


def _undo(temporaries: list[tuple[Path, Path]], done: list[tuple[Path, Path | None]], made_dirs: list[Path]) -> None:
    for final, backup in reversed(done):
        final.unlink(missing_ok=True)
        if backup is not None:
            os.replace(backup, final)
    for temporary, _ in temporaries:
        temporary.unlink(missing_ok=True)
    for directory in reversed(made_dirs):
        with contextlib.suppress(OSError):
            directory.rmdir()
