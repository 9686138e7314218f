"""Which presets a ComfyUI server can run, from the model lists in its /object_info."""

from __future__ import annotations

from typing import Any

from ...settings.presets import ModelPreset


def combo_choices(object_info: dict[str, Any], node: str, field: str) -> list[str] | None:
    """The choices of a combo input, in either the legacy ([choices], opts) or the V3 ("COMBO", {options}) form."""
    inputs = object_info.get(node, {}).get("input", {})
    spec = inputs.get("required", {}).get(field) or inputs.get("optional", {}).get(field)
    if not isinstance(spec, list) or not spec:
        return None
    if isinstance(spec[0], list):
        return [str(choice) for choice in spec[0]]
    if spec[0] == "COMBO" and len(spec) > 1 and isinstance(spec[1], dict):
        return [str(choice) for choice in spec[1].get("options", [])]
    return None


def unavailable_reason(preset: ModelPreset, object_info: dict[str, Any], server: str) -> str | None:
    """None when the server has everything the preset needs, else what is missing and what is there instead."""
    checkpoints = combo_choices(object_info, "CheckpointLoaderSimple", "ckpt_name")
    if checkpoints is None:
        return f"{server} has no CheckpointLoaderSimple node"
    if preset.checkpoint not in checkpoints:
        return f"checkpoint {preset.checkpoint} is not installed on {server} (installed: {_listing(checkpoints)})"
    if preset.loras:
        loras = combo_choices(object_info, "LoraLoader", "lora_name") or []
        for lora in preset.loras:
            if lora.name not in loras:
                return f"LoRA {lora.name} is not installed on {server} (installed: {_listing(loras)})"
    return None


def _listing(names: list[str], most: int = 6) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")
