"""ComfyUI's validation errors, reworded for the person who has to fix them."""

from __future__ import annotations

from typing import Any

from ...settings.presets import ModelPreset
from .availability import combo_choices, listing

_WHAT = {
    "ckpt_name": "checkpoint",
    "lora_name": "LoRA",
    "vae_name": "VAE",
    "sampler_name": "sampler",
    "scheduler": "scheduler",
}


_FILES = {"ckpt_name", "lora_name", "vae_name"}


def explain_rejection(
    error: dict[str, Any],
    node_errors: dict[str, Any],
    preset: ModelPreset,
    server: str,
    object_info: dict[str, Any] | None = None,
) -> str:
    """One sentence per problem: which preset, which file or value, which server, and what is there instead.
    `object_info` (what the server last said about its nodes) supplies the choices ComfyUI leaves out of an
    error when a list has more than 20 of them."""
    problems: list[str] = []
    for node_id, entry in node_errors.items():
        for item in entry.get("errors", []):
            problems.append(_explain(item, node_id, entry.get("class_type", "?"), object_info or {}))
    if not problems:
        problems.append(f"{error.get('message', 'rejected')} {error.get('details', '')}".strip())
    return f"{server} rejected preset {preset.name}: " + "; ".join(dict.fromkeys(problems))


def _explain(item: dict[str, Any], node_id: str, class_type: str, object_info: dict[str, Any]) -> str:
    kind, extra = item.get("type", ""), item.get("extra_info") or {}
    field = extra.get("input_name", "")
    if kind == "value_not_in_list":
        config = extra.get("input_config") or []
        choices: list[str] | None = [str(c) for c in config[0]] if config and isinstance(config[0], list) else None
        if choices is None:  # a list longer than 20 comes back as input_config null: the choices are elsewhere
            choices = combo_choices(object_info, class_type, field)
        what = _WHAT.get(field, field)
        value = extra.get("received_value")
        if field in _FILES:
            there = "none" if choices == [] else listing(choices) if choices else "see `dgx-pixels models`"
            return f"{what} {value!r} is not installed (installed: {there}); install it or edit the preset"
        there = listing(choices) if choices else str(item.get("details", "")) or "unknown"
        return f"{what} {value!r} is not one the server offers (it offers: {there}); edit the preset"
    if kind == "required_input_missing":
        return f"node {node_id} ({class_type}) is missing its {field} input; fix the workflow"
    if kind in ("value_smaller_than_min", "value_bigger_than_max"):
        # the bound is only in the message ("Value 16400 bigger than max of 16384"); details is just the name
        return f"{field} is out of range for {class_type}: {item.get('message') or item.get('details', '')}"
    return f"node {node_id} ({class_type}): {item.get('message', kind)} {item.get('details', '')}".strip()
