"""Gathering a node's input values (constants, upstream outputs, hidden values) as execution.get_input_data does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .node_types import NodeDef

# What each hidden marker resolves to; PROMPT is the original prompt, the others come from extra_data.
HIDDEN_FROM_EXTRA_DATA = {
    "EXTRA_PNGINFO": "extra_pnginfo",
    "AUTH_TOKEN_COMFY_ORG": "auth_token_comfy_org",
    "API_KEY_COMFY_ORG": "api_key_comfy_org",
}


def is_link(value: Any) -> bool:
    return (
        isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], (int, float))
    )


def get_input_info(
    node: NodeDef, input_name: str, valid_inputs: dict | None = None
) -> tuple[Any, str | None, dict | None]:
    valid_inputs = valid_inputs or node.input_types()
    for category in ("required", "optional", "hidden"):
        if category in valid_inputs and input_name in valid_inputs[category]:
            spec = valid_inputs[category][input_name]
            if isinstance(spec, str):  # V1 hidden inputs are bare markers
                return spec, category, {}
            return spec[0], category, (spec[1] if len(spec) > 1 else {})
    return None, None, None


def _hidden_value(marker: str, unique_id: str, original_prompt: dict | None, extra_data: dict) -> Any:
    if marker == "PROMPT":
        return original_prompt if original_prompt is not None else {}
    if marker == "UNIQUE_ID":
        return unique_id
    if marker in HIDDEN_FROM_EXTRA_DATA:
        return extra_data.get(HIDDEN_FROM_EXTRA_DATA[marker])
    return None


def get_input_data(
    inputs: dict,
    node: NodeDef,
    unique_id: str,
    upstream_output: Callable[[str], list | None] | None = None,
    original_prompt: dict | None = None,
    extra_data: dict | None = None,
) -> tuple[dict, dict, dict]:
    """(input_data_all, missing_keys, v3_hidden): every value is a list, as ComfyUI maps nodes over lists."""
    extra_data = extra_data or {}
    valid_inputs = node.input_types()
    input_data_all: dict[str, list] = {}
    missing_keys: dict[str, bool] = {}
    for name, value in inputs.items():
        _, category, info = get_input_info(node, name, valid_inputs)
        if is_link(value) and not (info or {}).get("rawLink", False):
            cached = upstream_output(value[0]) if upstream_output is not None else None
            if cached is None or value[1] >= len(cached):
                missing_keys[name] = True
                input_data_all[name] = [None]
                continue
            input_data_all[name] = cached[int(value[1])]
        elif category is not None:
            input_data_all[name] = [value]
    hidden_v3: dict[str, Any] = {}
    for name, marker in valid_inputs.get("hidden", {}).items():
        if node.schema_v3:
            hidden_v3[name] = _hidden_value(marker[0], unique_id, original_prompt, extra_data)
        else:
            input_data_all[name] = [_hidden_value(marker, unique_id, original_prompt, extra_data)]
    return input_data_all, missing_keys, hidden_v3
