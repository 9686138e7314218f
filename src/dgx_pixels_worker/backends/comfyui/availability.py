"""Which presets a ComfyUI server can run, from the model lists and sampler choices in its /object_info.

ComfyUI reads its model folders on every request, so a file dropped in (or deleted) shows up (or leaves) at the
next look: the backend asks again on every health check (the three node classes below, a few KB) rather than
keeping the list it saw when the server came up.
"""

from __future__ import annotations

from typing import Any

from ...settings.presets import ModelPreset

# The node classes whose combos say what a preset needs: checkpoints, LoRAs, samplers and schedulers.
MODEL_NODES = ("CheckpointLoaderSimple", "LoraLoader", "KSampler")
# ComfyUI's native LoRA training (comfy_extras/nodes_train.py), which came in 0.3.6x; read with the model lists.
TRAINING_NODES = ("LoadImageTextSetFromFolderNode", "TrainLoraNode", "SaveLoRANode", "LossGraphNode")


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
    problems: list[str] = []
    if preset.checkpoint not in checkpoints:
        problems.append(
            f"checkpoint {preset.checkpoint} is not installed on {server} (installed: {listing(checkpoints)})"
        )
    if preset.loras:
        loras = combo_choices(object_info, "LoraLoader", "lora_name") or []
        problems += [
            f"LoRA {lora.name} is not installed on {server} (installed: {listing(loras)})"
            for lora in preset.loras
            if lora.name not in loras
        ]
    for field, what, value in (
        ("sampler_name", "sampler", preset.defaults.sampler),
        ("scheduler", "scheduler", preset.defaults.scheduler),
    ):
        offered = combo_choices(object_info, "KSampler", field)
        if offered is not None and value not in offered:
            problems.append(
                f"{what} {value!r} is not offered by {server} (it offers: {listing(offered)}); edit the preset"
            )
    return "; ".join(problems) or None


def training_problem(checkpoint: str, object_info: dict[str, Any], server: str, version: str) -> str | None:
    """None when the server can train a LoRA on `checkpoint`, else what is missing and what to do."""
    missing = [node for node in TRAINING_NODES if node not in object_info]
    if missing:
        return (
            f"{server} runs ComfyUI {version}, which has no {', '.join(missing)} (native LoRA training came in "
            f"0.3.6x): update ComfyUI on {server}"
        )
    checkpoints = combo_choices(object_info, "CheckpointLoaderSimple", "ckpt_name") or []
    if checkpoint not in checkpoints:
        return (
            f"checkpoint {checkpoint} is not installed on {server} (installed: {listing(checkpoints)}): install it "
            f"there or train on another base"
        )
    return None


def listing(names: list[str], most: int = 6) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")
