"""The lock file beside a manifest: what each asset's files were made from, their hashes, and the jobs a build
has queued but not yet landed (so an interrupted build picks them up instead of queueing them again).

JSON, sorted and indented so that a change reads well in a diff; written whole to a temporary file and renamed
into place, so a killed build leaves the old lock or the new one, never half of either.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .manifest import ManifestError

VERSION = 1


@dataclass
class Made:
    """What one asset's files were made from and what they are."""

    inputs_hash: str
    inputs: dict[str, Any]
    outputs: dict[str, str]  # path from the game project's root -> SHA-256 of the file
    model: str = ""
    backend: str = ""
    checkpoint: str = ""
    loras: list[str] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    worker_version: str = ""
    job: str = ""
    images: list[str] = field(default_factory=list)
    built_at: str = ""


@dataclass
class Queued:
    """A job a build queued for an asset and has not landed yet."""

    job: str
    inputs_hash: str


@dataclass
class Lock:
    path: Path
    assets: dict[str, Made] = field(default_factory=dict)
    queued: dict[str, Queued] = field(default_factory=dict)

    def keep_files(self, name: str, root: Path) -> None:
        """Record the asset's files as they are now (edited by hand since they were built) as its outputs."""
        made = self.assets[name]
        made.outputs = {relative: file_hash(root / relative) or digest for relative, digest in made.outputs.items()}

    def save(self) -> None:
        data = {
            "version": VERSION,
            "generator": "dgx-pixels build; do not edit (docs/build.md)",
            "assets": {name: asdict(made) for name, made in sorted(self.assets.items())},
            "queued": {name: asdict(queued) for name, queued in sorted(self.queued.items())},
        }
        temporary = temporary_path(self.path)
        with temporary.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, self.path)


def temporary_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.dgx-tmp")


def read_lock(path: Path) -> Lock:
    """The lock at `path`; an empty one when there is none. ManifestError for one that cannot be read."""
    temporary_path(path).unlink(missing_ok=True)  # what a build killed while writing it left
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Lock(path)
    except (OSError, ValueError) as exc:
        raise ManifestError(
            f"{path} cannot be read ({exc}); move it aside and build again (everything is then made again)"
        ) from None
    try:
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}")
        assets = {name: Made(**made) for name, made in data.get("assets", {}).items()}
        queued = {name: Queued(**queued) for name, queued in data.get("queued", {}).items()}
    except (AttributeError, TypeError, ValueError) as exc:
        raise ManifestError(
            f"{path} is not a lock this dgx-pixels writes ({exc}); move it aside and build again"
        ) from None
    return Lock(path, assets, queued)


def file_hash(path: Path) -> str | None:
    """SHA-256 of a file's bytes; None when it cannot be read (it is gone)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
