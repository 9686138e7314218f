"""ComfyUI's validation errors, reworded for the person who has to fix them."""

from __future__ import annotations

from typing import Any

from ...settings.presets import ModelPreset

_WHAT = {
    "ckpt_name": "checkpoint",
    "lora_name": "LoRA",
    "vae_name": "VAE",
    "sampler_name": "sampler",
    "scheduler": "scheduler",
}


def explain_rejection(error: dict[str, Any], node_errors: dict[str, Any], preset: ModelPreset, server: str) -> str:
    """One sentence per problem: which preset, which file or value, which server, and what is there instead."""
    problems: list[str] = []
    for node_id, entry in node_errors.items():
        for item in entry.get("errors", []):
            problems.append(_explain(item, node_id, entry.get("class_type", "?")))
    if not problems:
        problems.append(f"{error.get('message', 'rejected')} {error.get('details', '')}".strip())
    return f"{server} rejected preset {preset.name}: " + "; ".join(dict.fromkeys(problems))


def _explain(item: dict[str, Any], node_id: str, class_type: str) -> str:
    kind, extra = item.get("type", ""), item.get("extra_info") or {}
    field = extra.get("input_name", "")
    if kind == "value_not_in_list":
        config = extra.get("input_config") or []
        choices = config[0] if config and isinstance(config[0], list) else []
        what = _WHAT.get(field, field)
        installed = ", ".join(map(str, choices[:8])) or "none"
        return (
            f"{what} {extra.get('received_value')!r} is not installed (installed: {installed}); "
            "install it or edit the preset"
        )
    if kind == "required_input_missing":
        return f"node {node_id} ({class_type}) is missing its {field} input; fix the workflow"
    if kind in ("value_smaller_than_min", "value_bigger_than_max"):
        return f"{field} is out of range for {class_type}: {item.get('details', '')}"
    return f"node {node_id} ({class_type}): {item.get('message', kind)} {item.get('details', '')}".strip()
