"""The raw layers of the settings, merged but not yet validated: shipped defaults < user file <
DGX_PIXELS_* environment < command-line flags. Cheap to import (tomllib, no pydantic), so a program can read a
setting it needs before anything heavy has loaded; config.py validates the merged result."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import paths

ENV_PREFIX = "DGX_PIXELS_"
# Short names for the settings people set most, besides the general DGX_PIXELS_<SECTION>__<KEY>.
ENV_SHORTCUTS = {
    "DGX_PIXELS_CONNECT": ("client", "connect"),
    "DGX_PIXELS_DATA_DIR": ("worker", "data_dir"),
}


class ConfigError(Exception):
    """A configuration problem, worded for the person who has to fix the file."""


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file or move it aside") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None


def _env_layer(env: Mapping[str, str]) -> dict[str, Any]:
    """Shortcuts first, so the explicit DGX_PIXELS_<SECTION>__<KEY> form wins when both are set."""
    layer: dict[str, dict[str, Any]] = {}
    for name, (section, key) in ENV_SHORTCUTS.items():
        if name in env:
            layer.setdefault(section, {})[key] = env[name]
    for name, value in sorted(env.items()):
        if name.startswith(ENV_PREFIX) and "__" in name:
            section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
            layer.setdefault(section, {})[key] = value  # pydantic turns "1.5" into 1.5 and "true" into True
    return layer


def user_config_path() -> Path:
    return paths.config_home() / "config.toml"


def layered_config(
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Every layer merged into one dict; `config_file` replaces the user file; `overrides` holds flags (None
    values are left out)."""
    env = os.environ if env is None else env
    data = _read_toml(paths.shipped("config") / "dgx-pixels.toml")
    user_file = config_file or user_config_path()
    if config_file is not None and not config_file.exists():
        raise ConfigError(f"{config_file}: no such configuration file")
    if user_file.exists():
        data = _merge(data, _read_toml(user_file))
    data = _merge(data, _env_layer(env))
    if overrides:
        data = _merge(data, {s: {k: v for k, v in kv.items() if v is not None} for s, kv in overrides.items()})
    return data
