"""What a "vary this" from the gallery asks the worker for: the image's own settings, its id as the source.

Plain Python (no Textual, no pydantic), so it is tested alone. Also how the Generate screen and `generate --vary`
name a source: a file here, sent as its bytes, or a gallery image id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dgx_pixels_worker.protocol.assets import MAX_UPLOAD_BYTES

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def variation_params(
    image_id: str, params: dict[str, Any], size: tuple[int, int], frames: int, count: int, strength: float
) -> dict[str, Any]:
    """generate's parameters (without the prompt) for `count` variations of a gallery image: its model, size as
    asked (before post-processing; one frame of an animation), steps, cfg, negative prompt, tags and
    post-processing (the model's own when none is recorded), a new seed for each."""
    chosen = {
        "init_image": image_id,
        "strength": strength,
        "count": count,
        **_made_with(params, size, frames),
        "negative": params.get("negative") or None,
        "tags": params.get("tags") or None,
        "postprocess": _steps(params) if "postprocess" in params else None,
    }
    return {key: value for key, value in chosen.items() if value is not None}


def remade_params(
    params: dict[str, Any], size: tuple[int, int], frames: int, motion: str | None, tile: bool
) -> dict[str, Any]:
    """generate's parameters (without the prompt and seed) that make a gallery image again: its model, the size
    asked (before post-processing; one frame of an animation), steps, cfg, negative prompt, tags, post-processing,
    and its frames and motion or tile."""
    chosen = {
        "negative": params.get("negative", ""),
        **_made_with(params, size, frames),
        "tags": params.get("tags", []),
        "postprocess": _steps(params),
        "frames": frames if frames > 1 else None,
        "motion": motion if frames > 1 else None,
        "tile": tile or None,
    }
    return {key: value for key, value in chosen.items() if value is not None}


def _made_with(params: dict[str, Any], size: tuple[int, int], frames: int) -> dict[str, Any]:
    """A gallery image's model, the size asked (before post-processing; one frame of an animation), steps and cfg."""
    width, height = params.get("raw_size") or size
    return {
        "model": params.get("model"),
        "width": width // max(frames, 1),
        "height": height,
        "steps": params.get("steps"),
        "cfg": params.get("cfg"),
    }


def _steps(params: dict[str, Any]) -> list[dict[str, Any]]:
    """The post-processing steps an image records, as a request gives them."""
    return [{"op": step["op"], **step.get("params", {})} for step in params.get("postprocess", [])]


def variant_steps(recolor_to: str | None, mirror_axis: str | None) -> list[dict[str, Any]]:
    """The post-processing steps that make a game variant: recoloured onto a palette's ramp, mirrored, or both."""
    steps: list[dict[str, Any]] = []
    if recolor_to:
        steps.append({"op": "recolor", "to": recolor_to})
    if mirror_axis:
        steps.append({"op": "mirror", "axis": mirror_axis})
    return steps


def source_to_send(vary: str | None, what: str = "--vary") -> dict[str, Any]:
    """A source to vary as the request names it: a file on this machine is read here and sent as its bytes (so it
    works over SSH); anything else is a gallery image id. ValueError, naming `what`, for a file that cannot be sent."""
    if not vary:
        return {}
    path = Path(vary).expanduser()
    if not path.is_file():
        if "/" in vary or path.suffix.lower() in IMAGE_SUFFIXES:
            raise ValueError(f"{what} {vary}: no such image file here; give an image file or a gallery image id")
        return {"init_image": vary}
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"{what} {vary}: {size} bytes is more than the {MAX_UPLOAD_BYTES} an image sent to the worker may "
            "have; shrink it first"
        )
    return {"init_png": path.read_bytes()}
