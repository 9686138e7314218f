"""The models every backend offers, merged: each model once, with how it stands on each backend."""

from __future__ import annotations

from ..backends import Backend
from ..protocol.messages import ModelInfo


class ModelCatalogue:
    def __init__(self, backends: list[Backend]):
        self.backends = backends

    def models(self) -> list[ModelInfo]:
        """Each model once, usable when any backend can run it; `where` says how it stands on each backend."""
        merged: dict[str, ModelInfo] = {}
        for backend in self.backends:
            for model in backend.models():
                if not model.where:
                    where = {backend.name: None if model.available else model.reason}
                    model = model.model_copy(update={"where": where})
                seen = merged.get(model.name)
                if seen is not None:
                    model = seen.model_copy(update={"where": {**seen.where, **model.where}})
                usable = [name for name, why in model.where.items() if why is None]
                reason = None if usable else "; ".join(f"{name}: {why}" for name, why in model.where.items())
                merged[model.name] = model.model_copy(
                    update={"available": bool(usable), "reason": reason, "backend": ", ".join(usable) or model.backend}
                )
        return list(merged.values())

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
