"""The preset a training makes: its base's checkpoint, LoRAs, workflow and defaults, plus the new LoRA."""

from __future__ import annotations

from collections.abc import Mapping

from ..backends import Backend
from ..protocol import messages as m
from ..settings.presets import LoraRef, ModelPreset


def trained_preset(base: ModelPreset, info: m.TrainedInfo) -> ModelPreset:
    return base.model_copy(
        update={
            "name": info.name,
            "description": f"{base.name} with a LoRA trained on {len(info.dataset)} images",
            "loras": [*base.loras, LoraRef(name=info.lora)],
            "tags": [*base.tags, "trained"],
        }
    )


def offer_trained(backends: list[Backend], bases: Mapping[str, ModelPreset], trained: list[m.TrainedInfo]) -> None:
    """Offer every trained preset whose base is still in the library on every backend that runs presets."""
    for info in trained:
        base = bases.get(info.base)
        if base is not None:
            preset = trained_preset(base, info)
            for backend in backends:
                backend.add_preset(preset)
