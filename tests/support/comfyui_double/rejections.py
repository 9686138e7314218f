"""Canned POST /prompt rejections for the reject_next_prompt_with fault (shapes as the real 400 answers)."""

from __future__ import annotations

from typing import Any

from aiohttp import web


class InjectedServerError(Exception):
    """Raised in the handler so aiohttp answers with its stock 500 page."""


def _error(kind: str, message: str, details: str) -> dict:
    return {"type": kind, "message": message, "details": details, "extra_info": {}}


def _first_output(json_data: Any) -> tuple[str, str]:
    prompt = json_data.get("prompt") if isinstance(json_data, dict) else None
    if isinstance(prompt, dict):
        for node_id, node in prompt.items():
            if isinstance(node, dict) and node.get("class_type") in ("SaveImage", "PreviewImage"):
                return str(node_id), node["class_type"]
    return "9", "SaveImage"


def injected_rejection(kind: str, json_data: Any) -> web.Response:
    if kind in ("500", "server_error"):
        raise InjectedServerError("comfyui-double: injected server error")
    if kind == "no_prompt":
        return web.json_response(
            {"error": _error("no_prompt", "No prompt provided", "No prompt provided"), "node_errors": {}}, status=400
        )
    if kind == "invalid_prompt":
        return web.json_response(
            {
                "error": _error(
                    "invalid_prompt", "Cannot execute because node InjectedFault does not exist.", "Node ID '#0'"
                ),
                "node_errors": {},
            },
            status=400,
        )
    if kind == "prompt_no_outputs":
        return web.json_response(
            {"error": _error("prompt_no_outputs", "Prompt has no outputs", ""), "node_errors": {}}, status=400
        )
    if kind == "prompt_outputs_failed_validation":
        node_id, class_type = _first_output(json_data)
        reason = {
            "type": "custom_validation_failed",
            "message": "Custom validation failed for node",
            "details": "images - injected by comfyui-double",
            "extra_info": {"input_name": "images"},
        }
        return web.json_response(
            {
                "error": _error(
                    "prompt_outputs_failed_validation",
                    "Prompt outputs failed validation",
                    "Custom validation failed for node: images - injected by comfyui-double",
                ),
                "node_errors": {
                    node_id: {"errors": [reason], "dependent_outputs": [node_id], "class_type": class_type}
                },
            },
            status=400,
        )
    return web.json_response(
        {"error": _error(kind, "Injected rejection", "injected by comfyui-double"), "node_errors": {}}, status=400
    )
