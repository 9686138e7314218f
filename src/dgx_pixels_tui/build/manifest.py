"""Reading a game's asset manifest: `assets.toml` (docs/build.md), or a plain prompt file, one prompt a line.

Every asset comes out fully resolved (its template, the manifest's `[defaults]`, a seed from its name when none
is given), so what it is made from can be hashed without asking the worker. Plain Python: no pydantic, no
ZeroMQ, no numpy, so deciding that nothing is to be done stays fast.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dgx_pixels_worker.protocol.assets import MAX_FRAMES, MOTIONS

from ..bevy_export import BevyExportError, clean_category, clean_name
from ..size_text import parse_size
from .templates import fill, templates_with

FORMAT = 1  # changes when what an asset is made from is hashed differently: every asset is then made again
MAX_PROBLEMS = 20
TABLES = ("project", "defaults", "templates", "assets")
PROJECT_KEYS = ("bevy", "lock")
# Every key an asset, a template or `[defaults]` may give, and what it must be.
FIELDS: dict[str, str] = {
    "template": "a template name",
    "prompt": "text",
    "negative": "text",
    "model": "a model preset name",
    "seed": "a whole number from 0",
    "size": "WIDTHxHEIGHT, e.g. '64x64'",
    "count": "a whole number from 1",
    "frames": f"a whole number from 1 to {MAX_FRAMES}",
    "motion": " or ".join(MOTIONS),
    "tile": "true or false",
    "palette": "a palette name or a palette file beside the manifest",
    "post": "post-processing steps, e.g. 'grid,background' (docs/pixelart.md)",
    "steps": "a whole number from 1",
    "cfg": "a number from 0",
    "tags": "a list of words",
    "category": "a folder under assets/sprites, e.g. 'characters'",
    "sheet": "true or false",
    "columns": "a whole number from 1",
    "padding": "a whole number from 0",
}


class ManifestError(Exception):
    """The manifest cannot be used; the message names each problem and where it is."""


@dataclass(frozen=True)
class Asset:
    """One asset as the manifest resolves it. `inputs` is everything its files are made from."""

    name: str
    prompt: str  # as sent: the template's frame around the asset's own words
    own_prompt: str  # as the manifest gives it
    category: str
    count: int
    frames: int
    sheet: bool
    request: dict[str, Any]  # the generate fields, palette and post as the manifest gives them
    palette_file: Path | None = None  # a palette read from a file beside the manifest
    columns: int | None = None
    padding: int = 0
    inputs: dict[str, Any] = field(default_factory=dict)
    inputs_hash: str = ""

    @property
    def stems(self) -> list[str]:
        """The names of its PNGs: the asset's own, or NAME-1..NAME-N for several images not made a sheet."""
        if self.count == 1 or self.sheet:
            return [self.name]
        return [f"{self.name}-{n}" for n in range(1, self.count + 1)]


@dataclass(frozen=True)
class Manifest:
    path: Path
    assets: list[Asset]
    bevy: Path  # the game project's root
    lock_path: Path


def read_manifest(path: Path, bevy: Path | None = None) -> Manifest:
    """The manifest at `path`: TOML when it ends in .toml, otherwise a prompt file. ManifestError when it cannot
    be read, or listing what is wrong in it (at most MAX_PROBLEMS)."""
    path = path.expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(
            f"{path} does not exist; write an assets.toml (docs/build.md) or give one with -f FILE"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path} cannot be read ({exc}); give a UTF-8 text file") from None
    table = _toml(path, text) if path.suffix.lower() == ".toml" else _prompt_file(text)
    problems: list[str] = []
    manifest = _resolve(path, table, bevy, problems)
    if problems:
        shown = "; ".join(problems[:MAX_PROBLEMS])
        more = f" (and {len(problems) - MAX_PROBLEMS} more)" if len(problems) > MAX_PROBLEMS else ""
        raise ManifestError(f"{path}: {shown}{more}")
    return manifest


def _toml(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path} is not valid TOML ({exc}); fix it and build again") from None


def _prompt_file(text: str) -> dict[str, Any]:
    """A prompt file as a manifest: each line that is not blank or a `#` comment is an asset named after it."""
    assets: dict[str, Any] = {}
    for line in text.splitlines():
        prompt = line.strip()
        if not prompt or prompt.startswith("#"):
            continue
        base = clean_name(prompt, "sprite")[:40].strip("-_") or "sprite"
        name, n = base, 1
        while name in assets:
            n += 1
            name = f"{base}-{n}"
        assets[name] = {"prompt": prompt}
    return {"assets": assets}


def _resolve(path: Path, table: dict[str, Any], bevy: Path | None, problems: list[str]) -> Manifest:
    for key in table:
        if key not in TABLES:
            problems.append(f"unknown table [{key}]; a manifest has {', '.join(f'[{t}]' for t in TABLES)}")
    project = _table(table, "project", problems)
    for key in project:
        if key not in PROJECT_KEYS:
            problems.append(f"project.{key} is unknown; [project] takes {' and '.join(PROJECT_KEYS)}")
    folder = path.parent
    root = bevy.expanduser() if bevy is not None else folder / str(project.get("bevy", "."))
    lock_name = str(project.get("lock", f"{path.stem}.lock.json"))
    if Path(lock_name).is_absolute() or ".." in Path(lock_name).parts:
        problems.append(f"project.lock = {lock_name!r}: give a file name beside the manifest, e.g. 'assets.lock.json'")
    lock_path = folder / lock_name
    defaults = _fields(_table(table, "defaults", problems), "defaults", problems)
    project_templates = {
        name: _fields(fields, f"templates.{name}", problems, allow_template=False)
        for name, fields in _table(table, "templates", problems).items()
    }
    templates = templates_with(project_templates)
    raw_assets = _table(table, "assets", problems)
    if not raw_assets and not problems:
        problems.append("no assets: add at least one [assets.NAME] with a prompt (docs/build.md)")
    assets = [
        _asset(name, fields, defaults, templates, folder, problems) for name, fields in sorted(raw_assets.items())
    ]
    _check_outputs(assets, problems)
    return Manifest(path, [a for a in assets if a is not None], root, lock_path)


def _table(parent: dict[str, Any], key: str, problems: list[str]) -> dict[str, Any]:
    value = parent.get(key, {})
    if isinstance(value, dict):
        return value
    problems.append(f"{key} must be a table ([{key}] ...)")
    return {}


def _fields(raw: object, where: str, problems: list[str], allow_template: bool = True) -> dict[str, Any]:
    """The keys of an asset, a template or [defaults] that are known and of the right kind; the rest reported."""
    if not isinstance(raw, dict):
        problems.append(f"{where} must be a table of fields")
        return {}
    known: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in FIELDS or (key == "template" and not allow_template):
            hint = ", ".join(k for k in FIELDS if allow_template or k != "template")
            problems.append(f"{where}.{key} is unknown; an asset takes {hint}")
        elif (problem := _field_problem(key, value)) is not None:
            problems.append(f"{where}.{key} = {value!r}: {problem}; give {FIELDS[key]}")
        else:
            known[key] = value
    return known


def _field_problem(key: str, value: object) -> str | None:
    whole = isinstance(value, int) and not isinstance(value, bool)
    low = {"seed": 0, "count": 1, "frames": 1, "steps": 1, "columns": 1, "padding": 0}
    if key in low:
        if not whole:
            return "not a whole number"
        assert isinstance(value, int)
        if value < low[key] or (key == "frames" and value > MAX_FRAMES) or value > 2**63 - 1:
            return "out of range"
        return None
    if key in ("tile", "sheet"):
        return None if isinstance(value, bool) else "not true or false"
    if key == "cfg":
        return None if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0 else "not valid"
    if key == "tags":
        return None if isinstance(value, list) and all(isinstance(t, str) for t in value) else "not a list of words"
    if key == "post":
        return None if isinstance(value, str | list) else "neither a text nor a list of steps"
    if not isinstance(value, str):
        return "not text"
    if key == "motion" and value not in MOTIONS:
        return "no such motion"
    if key == "size":
        try:
            width, height = parse_size(value)
        except ValueError:
            return "not a size"
        if not width or not height:
            return "not a size"
    if key == "category":
        try:
            clean_category(value)
        except BevyExportError:
            return "not a folder name"
    return None


def _asset(
    name: str,
    raw: object,
    defaults: dict[str, Any],
    templates: dict[str, dict[str, Any]],
    folder: Path,
    problems: list[str],
) -> Asset | None:
    where = f"assets.{name}"
    if clean_name(name, "") != name:
        problems.append(
            f"asset name {name!r}: use lowercase letters, digits, '-' and '_' (e.g. {clean_name(name)!r}); "
            "it names the files"
        )
        return None
    own = _fields(raw, where, problems)
    template_name = own.get("template", defaults.get("template"))
    template: dict[str, Any] = {}
    if template_name is not None:
        if template_name not in templates:
            problems.append(f"{where}.template = {template_name!r}: no such template; there are {', '.join(templates)}")
            return None
        template = templates[template_name]
    fields = {**defaults, **template, **own}
    own_prompt = prompt = str(own.get("prompt", defaults.get("prompt", ""))).strip()
    if not prompt:
        problems.append(f'{where} has no prompt; say what to draw, e.g. prompt = "red knight with a sword"')
        return None
    if template_name is not None:
        prompt = fill(str(template.get("prompt", "")), prompt)
    width, height = parse_size(fields.get("size"))
    frames = int(fields.get("frames", 1))
    palette_file, palette_digest = _palette_file(fields.get("palette"), folder, where, problems)
    request: dict[str, Any] = {
        "prompt": prompt,
        "negative": str(fields.get("negative", "")),
        "model": fields.get("model"),
        "seed": int(fields.get("seed", zlib.crc32(name.encode()))),
        "width": width,
        "height": height,
        "count": int(fields.get("count", 1)),
        "frames": frames,
        "motion": (fields.get("motion") or "idle") if frames > 1 else None,  # a still has no motion
        "tile": bool(fields.get("tile", False)),
        "steps": fields.get("steps"),
        "cfg": fields.get("cfg"),
        "tags": list(fields.get("tags", [])),
        "post": fields.get("post"),
        "palette": fields.get("palette"),
    }
    if request["tile"] and frames > 1:
        problems.append(f"{where}: a tile is one still image; drop frames or tile")
    category = clean_category(str(fields.get("category", "misc"))).as_posix()
    sheet = bool(fields.get("sheet", False))
    columns = fields.get("columns")
    padding = int(fields.get("padding", 0))
    inputs = {
        "format": FORMAT,
        **request,
        "palette_file": palette_digest,
        "category": category,
        "sheet": sheet,
        "columns": columns,
        "padding": padding,
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    return Asset(
        name=name,
        prompt=prompt,
        own_prompt=own_prompt,
        category=category,
        count=request["count"],
        frames=frames,
        sheet=sheet,
        request=request,
        palette_file=palette_file,
        columns=columns,
        padding=padding,
        inputs=inputs,
        inputs_hash=digest,
    )


def _palette_file(palette: object, folder: Path, where: str, problems: list[str]) -> tuple[Path | None, str | None]:
    """A palette that names a file beside the manifest, and the hash of its bytes (a change to the file changes
    every asset locked to it); (None, None) for a library palette."""
    if not isinstance(palette, str) or not ("/" in palette or "." in palette):
        return None, None
    file = (folder / palette).expanduser()
    try:
        return file, hashlib.sha256(file.read_bytes()).hexdigest()
    except OSError as exc:
        problems.append(f"{where}.palette = {palette!r}: {exc.strerror or exc} ({file}); give a palette name or file")
        return None, None


def _check_outputs(assets: list[Asset | None], problems: list[str]) -> None:
    """Two assets must not write the same file."""
    owner: dict[str, str] = {}
    for asset in assets:
        if asset is None:
            continue
        for stem in asset.stems:
            key = f"{asset.category}/{stem}"
            if key in owner and owner[key] != asset.name:
                problems.append(
                    f"assets {owner[key]} and {asset.name} would both write assets/sprites/{key}.png; rename one"
                )
            owner.setdefault(key, asset.name)
