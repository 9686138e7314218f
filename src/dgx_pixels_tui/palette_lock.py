"""The palette a client locks its generations to: `--palette`, else the configuration's `[project] palette`.

A palette file on this machine is read here and sent as its colours, since the worker reads no file a request names.
"""

from __future__ import annotations

from pathlib import Path

NO_LOCK = "none"


def palette_to_send(asked: str | None, project: str) -> str | list[str] | None:
    """What a `generate` or `compare` sends as `palette`: a library name, a file's colours ("#rrggbb"), or None for
    no lock ("none" asked, or nothing configured). ValueError saying what to fix for a file that cannot be read."""
    choice = (asked if asked is not None else project).strip()
    if not choice or choice.lower() == NO_LOCK:
        return None
    from dgx_pixels_worker.pixelart.palette import PaletteError, read_palette_file  # numpy: loaded only when locking
    from dgx_pixels_worker.pixelart.pipeline_spec import names_a_file

    if not names_a_file(choice):
        return choice
    where = "--palette" if asked is not None else "[project] palette"
    try:
        return read_palette_file(Path(choice).expanduser()).hex()
    except PaletteError as exc:
        raise ValueError(f"{where} {choice}: {exc}") from None


def lock_text(palette: str | list[str] | None) -> str:
    """'palette db16' or 'palette of 16 colours' for a status line; '' when nothing is locked."""
    if palette is None:
        return ""
    return f"palette {palette}" if isinstance(palette, str) else f"palette of {len(palette)} colours"
