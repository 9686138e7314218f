"""The models every backend offers, merged: each model once, with how it stands on each backend."""

from __future__ import annotations

from ..backends import Backend
from ..protocol.messages import ModelInfo


class ModelCatalogue:
    def __init__(self, backends: list[Backend]):
        self.backends = backends

    def models(self) -> list[ModelInfo]:
        """Each model once, usable when any backend can run it; `where` says how it stands on each backend."""
        first: dict[str, ModelInfo] = {}  # as the first backend that lists it describes it
        where: dict[str, dict[str, str | None]] = {}
        for backend in self.backends:
            for model in backend.models():
                first.setdefault(model.name, model)
                stands = model.where or {backend.name: None if model.available else model.reason}
                where.setdefault(model.name, {}).update(stands)
        merged = []
        for name, model in first.items():
            usable = [backend for backend, why in where[name].items() if why is None]
            reason = None if usable else "; ".join(f"{backend}: {why}" for backend, why in where[name].items())
            update = {"where": where[name], "available": bool(usable), "reason": reason}
            merged.append(model.model_copy(update={**update, "backend": ", ".join(usable) or model.backend}))
        return merged

    def render_identity(self, model: str) -> str | None:
        """The model's render identity on the first backend that knows it (the same on every server)."""
        return next((i for b in self.backends if (i := b.render_identity(model)) is not None), None)

    def default_model(self, configured: str) -> str | None:
        if configured:
            return configured
        usable = [model.name for model in self.models() if model.available]
        return usable[0] if usable else None

    def procedural_only(self) -> bool:
        """True while no ComfyUI server is reachable, configured or not: sprites are then procedural."""
        return all(backend.kind == "procedural" or not backend.info().healthy for backend in self.backends)
