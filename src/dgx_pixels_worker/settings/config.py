"""Layered settings: shipped defaults < user file < DGX_PIXELS_* environment < command-line flags."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import paths
from .layers import ConfigError, LayeredConfig, config_layers, layered_config, user_config_path  # noqa: F401 (re-exported)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkerSettings(_Section):
    rep: str
    pub: str
    data_dir: str = ""
    backend: Literal["auto", "procedural", "comfyui"] = "auto"
    default_model: str = ""
    heartbeat_s: float = Field(gt=0, le=60)
    status_every_s: float = Field(gt=0, le=3600)
    shutdown_grace_s: float = Field(ge=0, le=600)
    recent_jobs: int = Field(ge=1, le=5000)
    progress_interval_s: float = Field(ge=0, le=10)
    preview_interval_s: float = Field(ge=0, le=10)
    preview_max_px: int = Field(ge=16, le=1024)
    max_message_bytes: int = Field(ge=1024, le=64 * 1024 * 1024)
    max_memory_mb: int = Field(default=2048, ge=64)  # past it, command connections are dropped (serving/memory_guard)
    test_events: bool = False
    max_attempts: int = Field(default=3, ge=1, le=20)
    affinity_max_wait_s: float = Field(default=60.0, ge=0)
    models_dirs: list[str] = Field(default_factory=list)
    workflows_dirs: list[str] = Field(default_factory=list)

    def resolved_data_dir(self) -> Path:
        return Path(self.data_dir).expanduser() if self.data_dir else paths.data_home()


class ComfyUISettings(_Section):
    """One ComfyUI server of the pool."""

    name: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    kind: Literal["comfyui"] = "comfyui"
    url: str = Field(pattern=r"^https?://")
    slots: int = Field(default=2, ge=1, le=2)  # more prompts queued inside ComfyUI would slow cancel and priority
    health_interval_s: float = Field(default=5.0, gt=0, le=600)
    request_timeout_s: float = Field(default=30.0, gt=0, le=600)
    # The number type LoRAs are trained in there: bf16 halves the memory; fp32 for GPUs without bf16.
    training_dtype: Literal["bf16", "fp32"] = "bf16"


class ClientSettings(_Section):
    connect: str = ""
    events: str = ""
    timeout_s: float = Field(gt=0, le=600)
    spawn: bool = True
    worker_key: str = ""  # Z85 or a path to a .key file; empty: the local worker's keys_dir/worker.key


class SecuritySettings(_Section):
    curve: Literal["on", "off", "auto"] = "on"  # "auto", the old default, now means "on"
    keys_dir: str = ""

    @property
    def enabled(self) -> bool:
        return self.curve != "off"

    def resolved_keys_dir(self) -> Path:
        return Path(self.keys_dir).expanduser() if self.keys_dir else paths.config_home() / "keys"


class LimitsSettings(_Section):
    prompt_chars: int = Field(ge=1)
    min_size: int = Field(ge=1)
    max_size: int = Field(ge=1)
    max_count: int = Field(ge=1)
    max_steps: int = Field(ge=1)
    max_cfg: float = Field(gt=0)
    max_tags: int = Field(ge=0)
    max_queued: int = Field(ge=1)
    max_postprocess_steps: int = Field(default=16, ge=1, le=256)

    @model_validator(mode="after")
    def _sizes_in_order(self) -> LimitsSettings:
        if self.min_size > self.max_size:
            raise ValueError(f"min_size {self.min_size} is larger than max_size {self.max_size}")
        return self


class ProceduralSettings(_Section):
    steps: int = Field(ge=1, le=100)
    step_delay_s: float = Field(ge=0, le=10)


class TuiSettings(_Section):
    preview: Literal["auto", "sixel", "kitty", "halfblock"] = "auto"
    colors: Literal["auto", "truecolor", "256", "16"] = "auto"  # colour depth; auto asks the terminal


class ProjectSettings(_Section):
    # Every generate and compare of this user's clients is locked to it unless asked otherwise (--palette none):
    # a palette of the worker's library by name, or a palette file on this machine (read by the client).
    palette: str = ""


class LintSettings(_Section):
    """Thresholds of the quality checks (docs/pixelart.md#quality-checks): an image past one fails it."""

    # Defaults from real game sprites (tests/data/pixelart_corpus): up to 47 colours, and a third of their pixels
    # orphans at the median, since dithering and texture are made of them; see docs/pixelart.md#quality-checks.
    max_colors: int = Field(default=64, ge=1)
    max_off_palette: float = Field(default=0.0, ge=0, le=1)  # share of opaque pixels; only with a locked palette
    max_orphans: float = Field(default=0.6, ge=0, le=1)  # share of opaque pixels
    max_semi_transparent: float = Field(default=0.0, ge=0, le=1)  # share of all pixels
    min_grid_fit: float = Field(default=0.25, ge=0, le=1)  # only when a grid step ran
    max_seam: float = Field(default=1.5, ge=0)  # tiles only


class Settings(_Section):
    worker: WorkerSettings
    client: ClientSettings
    security: SecuritySettings
    limits: LimitsSettings
    procedural: ProceduralSettings
    tui: TuiSettings = Field(default_factory=TuiSettings)
    lint: LintSettings = Field(default_factory=LintSettings)
    project: ProjectSettings = Field(default_factory=ProjectSettings)
    backends: list[ComfyUISettings] = Field(default_factory=list)

    @model_validator(mode="after")
    def _backend_names_unique(self) -> Settings:
        names = [b.name for b in self.backends]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"backend names must be unique; repeated: {', '.join(duplicates)}")
        if self.worker.backend == "comfyui" and not self.backends:
            raise ValueError("worker.backend is 'comfyui' but no [[backends]] server is configured")
        return self

    def connect_address(self) -> str:
        """Where clients send commands: [client] connect, else this machine's worker at [worker] rep."""
        if self.client.connect:
            return self.client.connect
        scheme, _, rest = self.worker.rep.partition("://")
        host, _, port = rest.rpartition(":")
        if scheme == "tcp" and host in ("*", "0.0.0.0", "[::]", "::"):
            return f"tcp://127.0.0.1:{port}"
        return self.worker.rep


def load_settings(
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """Build the settings; `config_file` replaces the user file; `overrides` holds command-line flags. A
    ConfigError names, for each problem, where the value came from: a file and line, a variable or a flag."""
    layers = config_layers(config_file, env, overrides)
    try:
        return Settings.model_validate(layers.data)
    except ValidationError as exc:
        raise ConfigError(_config_problems(exc, layers)) from None


SHOWN_PROBLEMS = 10


def _config_problems(exc: ValidationError, layers: LayeredConfig) -> str:
    """`~/.config/dgx-pixels/config.toml line 12: worker.heartbeat_s: ...`, one line per problem."""
    lines = []
    for problem in exc.errors(include_url=False):
        loc = tuple(problem["loc"])
        unknown = problem["type"] == "extra_forbidden"
        what = "not a setting dgx-pixels knows" if unknown else problem["msg"].removeprefix("Value error, ")
        where = layers.where(loc, unknown=unknown)
        field = ".".join(str(part) for part in loc) or "settings"
        lines.append(f"{where + ': ' if where else ''}{field}: {what}")
    if len(lines) == 1:
        return f"invalid configuration: {lines[0]} (see docs/configuration.md)"
    more = f"\n  … and {len(lines) - SHOWN_PROBLEMS} more" if len(lines) > SHOWN_PROBLEMS else ""
    shown = "\n  ".join(lines[:SHOWN_PROBLEMS])
    return f"invalid configuration ({len(lines)} problems):\n  {shown}{more}\nsee docs/configuration.md"
