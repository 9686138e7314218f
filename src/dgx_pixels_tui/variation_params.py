"""What a "vary this" from the gallery asks the worker for: the image's own settings, its id as the source.

Plain Python (no Textual, no pydantic), so it is tested alone."""

from __future__ import annotations

from typing import Any


def variation_params(
    image_id: str, params: dict[str, Any], size: tuple[int, int], frames: int, count: int, strength: float
) -> dict[str, Any]:
    """generate's parameters (without the prompt) for `count` variations of a gallery image: its model, size as
    asked (before post-processing; one frame of an animation), steps, cfg, negative prompt, tags and
    post-processing (the model's own when none is recorded), a new seed for each."""
    width, height = params.get("raw_size") or size
    chosen = {
        "init_image": image_id,
        "strength": strength,
        "count": count,
        "model": params.get("model"),
        "negative": params.get("negative") or None,
        "width": width // max(frames, 1) if isinstance(width, int) else None,
        "height": height if isinstance(height, int) else None,
        "steps": params.get("steps"),
        "cfg": params.get("cfg"),
        "tags": params.get("tags") or None,
        "postprocess": [{"op": step["op"], **step.get("params", {})} for step in params["postprocess"]]
        if "postprocess" in params
        else None,
    }
    return {key: value for key, value in chosen.items() if value is not None}
