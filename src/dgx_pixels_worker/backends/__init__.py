"""Backends render images: `procedural` (embedded, offline) now, ComfyUI servers next."""

from .base import Backend, BackendEvent, Preview, Progress, RenderTask, Result, Submitted

__all__ = ["Backend", "BackendEvent", "Preview", "Progress", "RenderTask", "Result", "Submitted"]
