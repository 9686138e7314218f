"""The models every backend offers, merged: each model once, with how it stands on each backend; and the presets
of the library that no ComfyUI server is there to run, with why."""

from __future__ import annotations

from ..backends import Backend
from ..protocol.messages import ModelInfo
from ..settings.config import Settings

NO_SERVER = "comfyui"  # the `where` key of a preset that no ComfyUI server is in use to run


class ModelCatalogue:
    def __init__(self, backends: list[Backend], settings: Settings | None = None):
        self.backends = backends
        # Presets of the library when no ComfyUI server is in use: listed, never usable, with the reason; and
        # the files of the library refused on the way (a worker with servers reads them in worker.py).
        self._idle, self.problems = presets_without_server(settings) if settings and not self._servers() else ([], [])

    def _servers(self) -> list[Backend]:
        return [backend for backend in self.backends if backend.kind == "comfyui"]

    def models(self) -> list[ModelInfo]:
        """Each model once, usable when any backend can run it; `where` says how it stands on each backend."""
        first: dict[str, ModelInfo] = {}  # as the first backend that lists it describes it
        where: dict[str, dict[str, str | None]] = {}
        why_not: dict[str, dict[str, tuple[bool, str]]] = {}  # per backend that cannot run it: (down, the part)
        for backend in self.backends:
            info = backend.info()
            down = backend.kind == "comfyui" and not info.healthy
            for model in backend.models():
                first.setdefault(model.name, model)
                stands = model.where or {backend.name: None if model.available else model.reason}
                where.setdefault(model.name, {}).update(stands)
                for name, why in stands.items():
                    part = f"{name} is down ({info.detail})" if down else f"{name}: {why}"
                    if why is not None:
                        why_not.setdefault(model.name, {})[name] = (down, part)
        merged = []
        for name, model in first.items():
            usable = [backend for backend, why in where[name].items() if why is None]
            reason = None
            if not usable:
                parts = why_not[name].values()
                reason = "; ".join(part for _, part in parts)
                if all(down for down, _ in parts):
                    reason = f"needs a running ComfyUI server, and {reason}"
            update = {"where": where[name], "available": bool(usable), "reason": reason}
            merged.append(model.model_copy(update={**update, "backend": ", ".join(usable) or model.backend}))
        return merged + [model for model in self._idle if model.name not in first]

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


def no_server_reason(settings: Settings) -> str:
    """Why the library's presets cannot run when the worker uses no ComfyUI server, and what to do."""
    if settings.backends:  # configured, but `[worker] backend = "procedural"` leaves them out
        return (
            f'[worker] backend is "{settings.worker.backend}", which leaves the configured servers out: '
            'set it to "auto" and restart the worker'
        )
    return (
        "none is configured: add a [[backends]] table (name and url) to the configuration "
        "and restart the worker (docs/comfyui.md)"
    )


def presets_without_server(settings: Settings) -> tuple[list[ModelInfo], list[str]]:
    """Each preset of the library, unavailable, saying that it needs a ComfyUI server and why there is none; and a
    sentence for each file of the library that was refused."""
    from ..settings.library import load_model_library  # reads TOML and JSON files: only for a worker without one

    presets, _workflows, problems = load_model_library(settings)
    why = no_server_reason(settings)
    return [
        ModelInfo(
            name=preset.name,
            backend="",
            kind="comfyui",
            available=False,
            reason=f"needs a ComfyUI server, and {why}",
            description=preset.description,
            tags=preset.tags,
            defaults=preset.model_defaults(),
            checkpoint=preset.checkpoint,
            where={NO_SERVER: why},
        )
        for preset in presets
    ], problems
