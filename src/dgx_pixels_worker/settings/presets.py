"""Model presets: a named model is a checkpoint, a LoRA chain and default parameters (`models/*.toml`)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..pixelart.pipeline_spec import PipelineError, validate_pipeline
from ..protocol.validation_text import summary


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoraRef(_Strict):
    name: str = Field(min_length=1)
    strength_model: float = Field(default=1.0, ge=-100, le=100)
    strength_clip: float = Field(default=1.0, ge=-100, le=100)


class PresetDefaults(_Strict):
    width: int = Field(default=1024, ge=16, le=16384)
    height: int = Field(default=1024, ge=16, le=16384)
    steps: int = Field(default=30, ge=1, le=10000)
    cfg: float = Field(default=7.0, ge=0, le=100)
    sampler: str = "euler_ancestral"
    scheduler: str = "normal"
    negative: str = ""


class ModelPreset(_Strict):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    description: str = ""
    checkpoint: str = Field(min_length=1)
    loras: list[LoraRef] = Field(default_factory=list)
    workflow: str = "txt2img_sprite"
    tags: list[str] = Field(default_factory=list)
    defaults: PresetDefaults = Field(default_factory=PresetDefaults)
    # The post-processing its images get unless a request says otherwise (docs/pixelart.md).
    postprocess: list[dict[str, Any]] | str = Field(default="grid,background,quantize", validate_default=True)

    @field_validator("postprocess")
    @classmethod
    def _valid_pipeline(cls, value: list[dict[str, Any]] | str) -> list[dict[str, Any]]:
        try:
            return validate_pipeline(value)
        except PipelineError as exc:
            raise ValueError(str(exc)) from None

    def model_defaults(self) -> dict[str, Any]:
        """The defaults a `models` reply shows: size, steps, cfg, sampler, scheduler and the post-processing."""
        return {**self.defaults.model_dump(exclude={"negative"}), "postprocess": self.postprocess}

    def identity(self) -> tuple[str, tuple[tuple[str, float, float], ...]]:
        """What makes two presets render the same: the checkpoint and the LoRA chain with its strengths."""
        return self.checkpoint, tuple((lora.name, lora.strength_model, lora.strength_clip) for lora in self.loras)


class PresetError(Exception):
    """A preset file that cannot be used, with the file and the reason."""


def load_preset(path: Path) -> ModelPreset:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PresetError(f"{path}: cannot be read as TOML ({exc})") from None
    data.setdefault("name", path.stem)
    try:
        return ModelPreset.model_validate(data)
    except ValidationError as exc:
        raise PresetError(f"{path}: {summary(exc)}") from None


def load_presets(directories: list[Path]) -> tuple[list[ModelPreset], list[str]]:
    """Every preset in the directories (later directories override earlier names), and the problems found."""
    found: dict[str, ModelPreset] = {}
    problems: list[str] = []
    for directory in directories:
        for path in sorted(directory.glob("*.toml")) if directory.is_dir() else []:
            try:
                preset = load_preset(path)
            except PresetError as exc:
                problems.append(str(exc))
                continue
            found[preset.name] = preset
    return sorted(found.values(), key=lambda p: p.name), problems
