"""The raw layers of the settings, merged but not yet validated: shipped defaults < user file <
DGX_PIXELS_* environment < command-line flags. Cheap to import (tomllib, no pydantic), so a program can read a
setting it needs before anything heavy has loaded; config.py validates the merged result.

Every value remembers where it came from (a file and line, an environment variable, a flag), so that a
problem found later names the place to fix it."""

from __future__ import annotations

import os
import re
import shlex
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import paths

ENV_PREFIX = "DGX_PIXELS_"
# Short names for the settings people set most, besides the general DGX_PIXELS_<SECTION>__<KEY>.
ENV_SHORTCUTS = {
    "DGX_PIXELS_CONNECT": ("client", "connect"),
    "DGX_PIXELS_EVENTS": ("client", "events"),
    "DGX_PIXELS_DATA_DIR": ("worker", "data_dir"),
}
SHOWN_VALUE_CHARS = 60  # an environment variable or flag is quoted in an error up to this length
SHOWN_ORIGINS = 3  # a problem about a whole section names at most this many of the places that set it

Key = tuple[str | int, ...]  # a setting's place in the merged data, as pydantic reports it: ("backends", 0, "url")


class ConfigError(Exception):
    """A configuration problem, worded for the person who has to fix the file."""


@dataclass(frozen=True)
class Origin:
    """Where one value was set: a file (and line), an environment variable or a flag."""

    source: str  # the file as shown to people, `NAME=value` or `--flag=value`
    line: int | None = None
    shipped: bool = False  # the shipped defaults: named only when nothing the user set is to blame

    def __str__(self) -> str:
        return self.source if self.line is None else f"{self.source} line {self.line}"


@dataclass
class LayeredConfig:
    """The merged layers and, for every value in them, the layer that set it last."""

    data: dict[str, Any] = field(default_factory=dict)
    origins: dict[Key, Origin] = field(default_factory=dict)  # the values (leaves) each layer set
    tables: dict[Key, Origin] = field(default_factory=dict)  # where a table was opened, for an empty one

    def apply(self, layer: Mapping[str, Any], origin_of: Mapping[Key, Origin], fallback: Origin) -> None:
        """Merge `layer` over the data; `origin_of` places its values (a key missing there gets `fallback`)."""
        self.data = _merge(self.data, layer)
        for key, value in _leaves(layer):
            for old in [k for k in self.origins if k[: len(key)] == key]:
                del self.origins[old]  # a later layer replaces a list whole, with what it held
            self.origins[key] = origin_of.get(key) or _first_inside(origin_of, key) or fallback
            for inner, _ in _list_leaves(value, key):
                self.origins[inner] = origin_of.get(inner, self.origins[key])
        for key in _tables(layer):
            self.tables[key] = origin_of.get(key, fallback)

    def where(self, loc: Sequence[str | int], *, unknown: bool = False) -> str:
        """Where the value at `loc` came from ("" when no single place can be named): the value itself, the
        nearest enclosing one set whole (a list), or, for a section, the places that set its values; with
        `unknown` (the key should not be there at all), a section's header first."""
        key = tuple(loc)
        if not key:
            return ""  # a problem of the settings as a whole names its keys in its own words
        if unknown and key in self.tables and self.tables[key].line is not None:
            return str(self.tables[key])
        for end in range(len(key), 0, -1):
            if key[:end] in self.origins:
                return str(self.origins[key[:end]])
        inside = [origin for k, origin in self.origins.items() if k[: len(key)] == key]
        chosen = [o for o in inside if not o.shipped] or inside
        if not chosen:
            table = self.tables.get(key)
            return str(table) if table else ""
        return _join(chosen)


def _first_inside(origins: Mapping[Key, Origin], key: Key) -> Origin | None:
    """The first line of a file inside `key`: where a list of tables ([[backends]]) begins."""
    inside = [o for k, o in origins.items() if k[: len(key)] == key and o.line is not None]
    return min(inside, key=lambda o: o.line or 0, default=None)


def _join(origins: list[Origin]) -> str:
    """Several places as one phrase, the lines of one file together: `a.toml lines 2, 3 and DGX_...=1`."""
    lines: dict[str, list[int]] = {}
    for origin in origins:
        found = lines.setdefault(origin.source, [])
        if origin.line is not None and origin.line not in found:
            found.append(origin.line)
    parts = []
    for source, numbers in lines.items():
        numbers.sort()
        if not numbers:
            parts.append(source)
        else:
            word = "line" if len(numbers) == 1 else "lines"
            parts.append(f"{source} {word} {', '.join(str(n) for n in numbers)}")
    shown = parts[:SHOWN_ORIGINS]
    return " and ".join(shown) + (" and elsewhere" if len(parts) > len(shown) else "")


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _leaves(layer: Mapping[str, Any], prefix: Key = ()) -> Iterator[tuple[Key, Any]]:
    """Every value a layer sets, as _merge applies it: tables are merged key by key, anything else is set whole."""
    for name, value in layer.items():
        if isinstance(value, Mapping):
            yield from _leaves(value, (*prefix, name))
        else:
            yield (*prefix, name), value


def _list_leaves(value: Any, prefix: Key) -> Iterator[tuple[Key, Any]]:
    """The places inside a list of tables ([[backends]]), each with its own line in a file."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, Mapping | list):
                yield (*prefix, index), item
                yield from _list_leaves(item, (*prefix, index))
    elif isinstance(value, Mapping):
        for name, item in value.items():
            yield (*prefix, name), item
            yield from _list_leaves(item, (*prefix, name))


def _tables(layer: Mapping[str, Any], prefix: Key = ()) -> Iterator[Key]:
    for name, value in layer.items():
        if isinstance(value, Mapping):
            yield (*prefix, name)
            yield from _tables(value, (*prefix, name))


def shown_path(path: Path) -> str:
    """A file as people know it: under the home directory with `~`."""
    try:
        home = Path.home()
    except (KeyError, RuntimeError):
        return str(path)
    try:
        return str(Path("~") / path.relative_to(home))
    except ValueError:
        return str(path)


def _quoted(value: object) -> str:
    text = str(value)
    if len(text) > SHOWN_VALUE_CHARS:
        text = text[: SHOWN_VALUE_CHARS - 1] + "…"
    return shlex.quote(text)


def _read_toml(path: Path, *, shipped: bool = False) -> tuple[dict[str, Any], dict[Key, Origin]]:
    """A TOML file and the origin (file and line) of each of its keys and tables. Raises ConfigError for a
    file that cannot be read, is not UTF-8 or is not TOML; FileNotFoundError when it does not exist."""
    shown = shown_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{shown} line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); a TOML file must be UTF-8: "
            "save it as UTF-8 or move it aside"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: not valid TOML ({exc}); fix the file or move it aside") from None
    return data, {key: Origin(shown, line, shipped) for key, line in key_lines(text).items()}


def _env_layer(env: Mapping[str, str]) -> tuple[dict[str, Any], dict[Key, Origin]]:
    """Shortcuts first, so the explicit DGX_PIXELS_<SECTION>__<KEY> form wins when both are set."""
    layer: dict[str, dict[str, Any]] = {}
    origins: dict[Key, Origin] = {}

    def put(name: str, section: str, key: str, value: str) -> None:
        layer.setdefault(section, {})[key] = value  # pydantic turns "1.5" into 1.5 and "true" into True
        origins[(section, key)] = Origin(f"{name}={_quoted(value)}")

    for name, (section, key) in ENV_SHORTCUTS.items():
        if name in env:
            put(name, section, key, env[name])
    for name, value in sorted(env.items()):
        if name.startswith(ENV_PREFIX) and "__" in name:
            section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
            put(name, section, key, value)
    return layer, origins


def _flag_layer(overrides: Mapping[str, Mapping[str, Any]]) -> tuple[dict[str, Any], dict[Key, Origin]]:
    """Command-line flags, named after their key (`data_dir` is `--data-dir`); None values are left out."""
    layer = {s: {k: v for k, v in kv.items() if v is not None} for s, kv in overrides.items()}
    origins: dict[Key, Origin] = {
        (s, k): Origin(f"--{k.replace('_', '-')}={_quoted(v)}") for s, kv in layer.items() for k, v in kv.items()
    }
    return layer, origins


def user_config_path() -> Path:
    return paths.config_home() / "config.toml"


def config_layers(
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> LayeredConfig:
    """Every layer merged, with the origin of each value; `config_file` replaces the user file; `overrides`
    holds flags (None values are left out)."""
    env = os.environ if env is None else env
    config = LayeredConfig()
    shipped_file = paths.shipped("config") / "dgx-pixels.toml"
    layer, origins = _read_toml(shipped_file, shipped=True)
    config.apply(layer, origins, Origin(shown_path(shipped_file), shipped=True))
    user_file = config_file or user_config_path()
    try:
        layer, origins = _read_toml(user_file)
    except FileNotFoundError:
        if config_file is not None:
            raise ConfigError(f"{shown_path(config_file)}: no such configuration file") from None
    else:
        config.apply(layer, origins, Origin(shown_path(user_file)))
    layer, origins = _env_layer(env)
    config.apply(layer, origins, Origin("the environment"))
    if overrides:
        layer, origins = _flag_layer(overrides)
        config.apply(layer, origins, Origin("a command-line flag"))
    return config


def layered_config(
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Every layer merged into one dict; `config_file` replaces the user file; `overrides` holds flags (None
    values are left out)."""
    return config_layers(config_file, env, overrides).data


# Where each key of a TOML file starts. tomllib keeps no positions, so the text is scanned again (it has
# parsed already, so it is valid TOML): headers and keys are read by tomllib itself, and values are skipped
# over with their strings, brackets and comments, so that nothing inside a value is taken for a key.

_HEADER = re.compile(r"[ \t]*(\[\[?)")
_SPACE = " \t"


def key_lines(text: str) -> dict[Key, int]:
    """The line (1-based) of every key and table header of a valid TOML document."""
    found: dict[Key, int] = {}
    arrays: dict[Key, int] = {}  # the current element of each array of tables
    table: Key = ()
    pos, line = 0, 1
    while pos < len(text):
        pos = _skip(text, pos, _SPACE)
        if pos >= len(text):
            break
        char = text[pos]
        if char in "\r\n#":
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end + 1
            line += 1
            continue
        header = _HEADER.match(text, pos)
        if header:
            double = header.group(1) == "[["
            close = _close_of_key(text, header.end(), "]")
            parts = _key_parts(text[header.end() : close])
            if double:
                array = (*_resolve(parts[:-1], arrays), parts[-1])
                arrays[array] = arrays.get(array, -1) + 1
                table = (*array, arrays[array])
            else:
                table = _resolve(parts, arrays)
            found.setdefault(table, line)
            pos = close + (2 if double else 1)
            continue
        equals = _close_of_key(text, pos, "=")
        found.setdefault((*table, *_key_parts(text[pos:equals])), line)
        pos, line = _skip_value(text, equals + 1, line)
    return found


def _skip(text: str, pos: int, chars: str) -> int:
    while pos < len(text) and text[pos] in chars:
        pos += 1
    return pos


def _close_of_key(text: str, pos: int, stop: str) -> int:
    """The position of `stop` ending a (possibly dotted and quoted) key that starts at `pos`."""
    while text[pos] != stop:
        if text[pos] in "\"'":
            quote = text[pos]
            pos += 1
            while text[pos] != quote:
                pos += 2 if quote == '"' and text[pos] == "\\" else 1
        pos += 1
    return pos


def _key_parts(raw: str) -> list[str]:
    """A dotted key's parts, quotes and escapes undone by tomllib."""
    parts: list[str] = []
    nested: Any = tomllib.loads(f"{raw.strip()} = 0")
    while isinstance(nested, dict):
        name, nested = next(iter(nested.items()))
        parts.append(name)
    return parts


def _resolve(parts: Sequence[str], arrays: Mapping[Key, int]) -> Key:
    """A header's table, through the current element of every array of tables on the way."""
    key: Key = ()
    for part in parts:
        key = (*key, part)
        if key in arrays:
            key = (*key, arrays[key])
    return key


def _skip_value(text: str, pos: int, line: int) -> tuple[int, int]:
    """Past the value starting at `pos` and the end of its line: (position, line number there)."""
    depth = 0
    while pos < len(text):
        char = text[pos]
        if char == "\n":
            line += 1
            pos += 1
            if depth == 0:
                return pos, line
        elif char == "#":
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end
        elif char in "[{":
            depth += 1
            pos += 1
        elif char in "]}":
            depth -= 1
            pos += 1
        elif char in "\"'":
            pos, line = _skip_string(text, pos, line)
        else:
            pos += 1
    return pos, line


def _skip_string(text: str, pos: int, line: int) -> tuple[int, int]:
    quote = text[pos]
    triple = text.startswith(quote * 3, pos)
    closing = quote * 3 if triple else quote
    pos += len(closing)
    while not text.startswith(closing, pos):
        if text[pos] == "\\" and quote == '"':
            pos += 1
            if text[pos] == "\n":
                line += 1
        elif text[pos] == "\n":
            line += 1
        pos += 1
    pos += len(closing)
    while triple and text.startswith(quote, pos):  # up to two quotes may end the string's own text
        pos += 1
    return pos, line
