"""Copying sprites and sheets into a Bevy project: `assets/sprites/<category>/`, a manifest of where each came
from, and for sheets the grid layout that `TextureAtlasLayout::from_grid` takes. An animation goes as its sheet,
its layout with the frame indices of the animation (`animations`), an animated GIF and an APNG; a sheet made of
several animations names the frame run of each. Plain Python, no Textual.

All or nothing: every file is first written beside its target under a temporary name, then renamed into
place; if anything fails (an error, Ctrl-C, SIGTERM or SIGHUP), what this export created is removed and what
it replaced is put back, so the project's files are as they were. The temporary names carry the exporting
process's id (`.NAME.png.PID.dgx-tmp`, `.NAME.png.PID.dgx-old`), so that what a killed export left is known
for stale and tidied by the next export into the project (a file it had moved aside is put back). Nothing is
overwritten unless `force` is given, or the file holds the same image (the same bytes): exporting an image
again to the same place reuses its file. Otherwise a name that is taken gets `-1`, `-2`, ... Names are reduced
to lowercase letters, digits, `-` and `_`, and every path must stay inside the project's `assets/sprites`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from .animation_export import animation_files, frame_run, sheet_frames, unique_names, with_animations

if TYPE_CHECKING:
    from PIL import Image

SPRITES_DIR = Path("assets") / "sprites"
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
LAYOUT_SUFFIX = ".layout.json"
# What an export leaves beside a file while it runs: `.NAME.PID.dgx-tmp` (the new content) and
# `.NAME.PID.dgx-old` (what it replaces). Older versions left the same names without the PID.
_LEFTOVER = re.compile(r"^\.(?P<name>.+?)(?:\.(?P<pid>\d+))?\.dgx-(?P<kind>tmp|old)$")
LEGACY_STALE_S = 60.0  # a leftover without a PID is an older version's, stale once untouched this long
_CLEANUP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)  # ended with cleanup, like Ctrl-C


class BevyExportError(Exception):
    """The export cannot be done; the message says why and what to do. The project is unchanged."""


@dataclass(frozen=True)
class ExportItem:
    """One PNG to export; `layout` (tile_size, columns, rows, padding, offset, frames, animations) makes it a
    sheet. `frames` > 1: the PNG is an animation of that many frames left to right; `previews` are files written
    beside the PNG, by suffix (".gif": bytes)."""

    name: str
    png: bytes
    source: dict[str, Any]  # the generation parameters, kept in the manifest
    layout: dict[str, Any] | None = None
    frames: int = 1
    motion: str | None = None
    tile: bool = False
    previews: dict[str, bytes] = field(default_factory=dict)


@dataclass
class _Plan:
    writes: list[tuple[Path, bytes]] = field(default_factory=list)  # final path, content
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # manifest key -> entry


def export_item(name: str, png: bytes, params: dict[str, Any]) -> ExportItem:
    """An image to export with its generation parameters, which say whether it is an animation (its frames and
    motion) or a tile."""
    motion = params.get("motion")
    return ExportItem(
        name,
        png,
        params,
        frames=int(params.get("frames") or 1),
        motion=str(motion) if motion else None,
        tile=bool(params.get("tile")),
    )


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
    """The items' images as one sprite sheet (frames in order), its layout and every frame's source. An
    animation brings all its frames, one after another, and its frame run under the layout's `animations`
    (named by its motion), with a GIF and an APNG of each (`.walk.gif`, `.walk.apng`)."""
    import io

    from dgx_pixels_worker.pixelart import build_sheet

    frames: list[Image.Image] = []
    names: list[str] = []
    runs: dict[str, dict[str, int]] = {}
    animated = [item for item in items if len(sheet_frames(item.png, item.frames)) > 1]
    labels = iter(unique_names([clean_name(item.motion or "idle", "idle") for item in animated]))
    previews: dict[str, bytes] = {}
    for item in items:
        parts = sheet_frames(item.png, item.frames)
        if len(parts) > 1:
            label = next(labels)
            runs[label] = frame_run(len(frames), len(parts))
            previews.update({f".{label}{suffix}": data for suffix, data in animation_files(parts).items()})
            names += [f"{item.name}_{index}" for index in range(len(parts))]
        else:
            names.append(item.name)
        frames += parts
    sheet = build_sheet(frames, names=names, columns=columns, padding=padding)
    buffer = io.BytesIO()
    sheet.image.save(buffer, "PNG")
    return ExportItem(
        name or f"{items[0].name}-sheet",
        buffer.getvalue(),
        {"frames": [i.source for i in items]},
        layout=with_animations(sheet.atlas, runs),
        previews=previews,
    )


def animation_item(item: ExportItem) -> ExportItem:
    """An animation as its sheet (the same PNG) with its grid layout, its frame run named by its motion, and
    its GIF and APNG; any other item as it is (a PNG no multiple of `frames` wide stays a still)."""
    if item.layout is not None or item.frames <= 1:
        return item
    parts = sheet_frames(item.png, item.frames)
    if len(parts) == 1:
        return item
    from dgx_pixels_worker.pixelart import build_sheet

    names = [f"{item.name}_{index}" for index in range(len(parts))]
    layout = build_sheet(parts, names=names, columns=len(parts)).atlas
    runs = {clean_name(item.motion or "idle", "idle"): frame_run(0, len(parts))}
    return replace(item, layout=with_animations(layout, runs), previews=animation_files(parts))


def check_target(project: Path, category: str) -> tuple[Path, Path]:
    """The project's `assets/sprites` and the category's folder in it; BevyExportError says what is wrong with
    either (nothing is written). Asked before an export, so a form can say so while the user can still fix it."""
    project = project.expanduser()
    if not project.is_dir():
        raise BevyExportError(f"{project} does not exist (no Cargo.toml there); give the root folder of a Bevy project")
    if not (project / "Cargo.toml").is_file():
        raise BevyExportError(f"{project} is not a Bevy project (no Cargo.toml there); give the project's root folder")
    root = (project / SPRITES_DIR).resolve()
    folder = (root / clean_category(category)).resolve()
    if not folder.is_relative_to(root) or not root.is_relative_to(project.resolve()):
        raise BevyExportError(
            f"{folder} is outside {project}'s assets/sprites (a symbolic link?); choose another category"
        )
    return root, folder


def export_to_bevy(project: Path, category: str, items: list[ExportItem], *, force: bool = False) -> list[Path]:
    """Write `items` into the project; returns the paths written (each PNG with its layout and animation files
    after it, then the manifest)."""
    root, folder = check_target(project, category)
    if not items:
        raise BevyExportError("nothing to export: name at least one image")
    remove_leftovers(root)
    manifest_path = root / MANIFEST_NAME
    manifest = _read_manifest(manifest_path)
    plan = _plan(root, folder, items, force)
    manifest["sprites"].update(plan.entries)
    plan.writes.append((manifest_path, _manifest_bytes(manifest)))
    _write_all(plan.writes)
    return [path for path, _ in plan.writes]


def forget(project: Path, removed: list[Path]) -> None:
    """Drop the manifest's entries of sprites removed from the project (files under its assets/sprites)."""
    root, _ = check_target(project, "misc")
    manifest_path = root / MANIFEST_NAME
    manifest = _read_manifest(manifest_path)
    keys = {path.resolve().relative_to(root).as_posix() for path in removed if path.resolve().is_relative_to(root)}
    if keys & manifest["sprites"].keys():
        for key in keys:
            manifest["sprites"].pop(key, None)
        _write_all([(manifest_path, _manifest_bytes(manifest))])


def _manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()


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
    for item in map(animation_item, items):

        def same_image(stem: str, item: ExportItem = item) -> bool:
            return _holds(folder / f"{stem}.png", item)

        companions = ([LAYOUT_SUFFIX] if item.layout is not None else []) + list(item.previews)
        stem = _free_stem(folder, clean_name(item.name), taken, force, companions, same_image)
        taken.add(stem)
        image_path = folder / f"{stem}.png"
        plan.writes.append((image_path, item.png))
        entry: dict[str, Any] = {"source": item.source, "exported_at": now, "kind": "sprite"}
        if item.layout is not None:
            layout_path = folder / f"{stem}{LAYOUT_SUFFIX}"
            plan.writes.append((layout_path, (json.dumps(item.layout, indent=2) + "\n").encode()))
            entry.update(kind="sheet", layout=layout_path.relative_to(root).as_posix())
            if "animations" in item.layout:
                entry.update(kind="animation", animations=item.layout["animations"])
        if item.previews:
            paths = [folder / f"{stem}{suffix}" for suffix in item.previews]
            plan.writes += zip(paths, item.previews.values(), strict=True)
            entry["previews"] = [path.relative_to(root).as_posix() for path in paths]
        if item.tile:
            entry["tile"] = True
        plan.entries[image_path.relative_to(root).as_posix()] = entry
    return plan


def _holds(path: Path, item: ExportItem) -> bool:
    """Whether `path` is an earlier export of this very image: the same bytes (a file touched up since, or a
    raw render beside its processed image, is another image and keeps its name)."""
    try:
        return path.stat().st_size == len(item.png) and path.read_bytes() == item.png
    except OSError:
        return False


def _free_stem(
    folder: Path, stem: str, taken: set[str], force: bool, companions: list[str], same_image: Callable[[str], bool]
) -> str:
    """The stem to write under: `stem`, or `stem-1`, ... when its PNG or a file written beside it is taken."""

    def free(candidate: str) -> bool:
        if candidate in taken:
            return False
        if force or same_image(candidate):
            return True
        return not any((folder / f"{candidate}{suffix}").exists() for suffix in [".png", *companions])

    candidate, n = stem, 0
    while not free(candidate):
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def remove_leftovers(root: Path) -> list[Path]:
    """Tidy what killed exports left under `root`: their temporary files go, and a file they had moved aside
    is put back where it is missing (else it goes too). Leftovers of a running export are kept. Returns the
    paths removed or put back."""
    tidied: list[Path] = []
    for folder, _, names in os.walk(root):
        for name in names:
            match = _LEFTOVER.match(name)
            path = Path(folder) / name
            if match is None or not _stale(path, match["pid"]):
                continue
            final = path.with_name(match["name"])
            with contextlib.suppress(OSError):
                if match["kind"] == "old" and not final.exists():
                    os.replace(path, final)
                else:
                    path.unlink()
                tidied.append(path)
    return tidied


def _stale(path: Path, pid: str | None) -> bool:
    if pid is None:
        try:
            return time.time() - path.lstat().st_mtime > LEGACY_STALE_S
        except OSError:
            return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (OSError, OverflowError):
        return False  # alive under another user, or not a process id at all
    return False


class _Signalled(BaseException):
    """SIGTERM or SIGHUP arrived while files were being put in place."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _signals_undo() -> Iterator[None]:
    """While files are put in place, SIGTERM and SIGHUP (when they would end the process at once) raise, so
    the export undoes itself; the signal is then delivered again to end the process as it would have."""

    caught: list[int] = []

    def raise_it(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)
        if len(caught) == 1:  # once: a second signal must not cut the undo short
            raise _Signalled(signum)

    previous: dict[signal.Signals, Any] = {}
    try:
        for signum in _CLEANUP_SIGNALS:
            if signal.getsignal(signum) == signal.SIG_DFL:
                previous[signum] = signal.signal(signum, raise_it)
    except ValueError:
        pass  # not the main thread: signals cannot be caught here, and the next export tidies up
    try:
        yield
    except _Signalled as signalled:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        previous.clear()
        signal.raise_signal(signalled.signum)
        raise BevyExportError("the export was interrupted; nothing was changed") from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _write_all(writes: list[tuple[Path, bytes]]) -> None:
    """Temporary files first, then renames; on any failure, Ctrl-C or SIGTERM undo everything done so far."""
    made_dirs: list[Path] = []
    temporaries: list[tuple[Path, Path]] = []
    done: list[tuple[Path, Path | None]] = []  # final path, backup of what it replaced
    pid = os.getpid()
    with _signals_undo():
        try:
            for final, data in writes:
                for parent in reversed([final.parent, *final.parent.parents]):
                    if not parent.exists():
                        parent.mkdir()
                        made_dirs.append(parent)
                temporary = final.with_name(f".{final.name}.{pid}.dgx-tmp")
                temporaries.append((temporary, final))
                with temporary.open("wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            for temporary, final in temporaries:
                backup = final.with_name(f".{final.name}.{pid}.dgx-old") if final.exists() else None
                done.append((final, backup))
                if backup is not None:
                    os.replace(final, backup)
                os.replace(temporary, final)
        except OSError as exc:
            _undo(temporaries, done, made_dirs)
            raise BevyExportError(
                f"could not write {exc.filename or 'the project'} ({exc.strerror}); nothing was changed"
            ) from None
        except BaseException:
            _undo(temporaries, done, made_dirs)
            raise
    for _, backup in done:
        if backup is not None:
            backup.unlink(missing_ok=True)


def _undo(temporaries: list[tuple[Path, Path]], done: list[tuple[Path, Path | None]], made_dirs: list[Path]) -> None:
    for final, backup in reversed(done):
        if backup is None:
            final.unlink(missing_ok=True)
        elif backup.exists():  # else it was never moved aside: `final` is still the original
            os.replace(backup, final)
    for temporary, _ in temporaries:
        temporary.unlink(missing_ok=True)
    for directory in reversed(made_dirs):
        with contextlib.suppress(OSError):
            directory.rmdir()
