"""Backends render images: `procedural` (embedded, offline) and ComfyUI servers (`comfyui/`), behind the
interface in `base.py`."""

from .base import (
    Backend,
    BackendEvent,
    Preview,
    Progress,
    RenderTask,
    Result,
    Submitted,
    TrainedLora,
    TrainingEvent,
    TrainingImage,
    TrainingTask,
)

__all__ = [
    "Backend",
    "BackendEvent",
    "Preview",
    "Progress",
    "RenderTask",
    "Result",
    "Submitted",
    "TrainedLora",
    "TrainingEvent",
    "TrainingImage",
    "TrainingTask",
]
