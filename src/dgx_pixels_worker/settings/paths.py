"""Where things live: XDG directories, the data directory, and files shipped with the package."""

from __future__ import annotations

import os
from pathlib import Path

from ..protocol import ErrorCode, WorkerError

APP = "dgx-pixels"
_PACKAGE = Path(__file__).resolve().parents[1]
_SOURCE_ROOT = _PACKAGE.parents[1]
_SHIPPED = _PACKAGE / "_shipped"


def config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / APP


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / APP


def shipped(name: str) -> Path:
    """A top-level folder of the project (config, models, workflows), from a checkout or an installed wheel."""
    for root in (_SOURCE_ROOT, _SHIPPED):
        candidate = root / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{name}/ is missing from the installation; reinstall dgx-pixels")


def inside(root: Path, relative: str | Path) -> Path:
    """Resolve `relative` under `root`, refusing anything that would leave it."""
    base = root.resolve()
    target = (base / relative).resolve()
    if target != base and base not in target.parents:
        raise WorkerError(
            ErrorCode.INVALID, f"path {str(relative)!r} leaves the data directory", {"path": str(relative)}
        )
    return target
