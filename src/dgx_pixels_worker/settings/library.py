"""The model library: presets and workflows from the shipped folders, the user's folders and configured ones."""

from __future__ import annotations

import logging
from pathlib import Path

from ..backends.comfyui.workflow import WorkflowTemplate, load_workflows
from . import paths
from .config import Settings
from .presets import ModelPreset, load_presets

log = logging.getLogger(__name__)


def library_dirs(settings: Settings, kind: str) -> list[Path]:
    """Shipped first, then the user's, then configured ones: later folders override earlier names."""
    extra = settings.worker.models_dirs if kind == "models" else settings.worker.workflows_dirs
    return [paths.shipped(kind), paths.config_home() / kind, *(Path(d).expanduser() for d in extra)]


def load_model_library(settings: Settings) -> tuple[list[ModelPreset], dict[str, WorkflowTemplate], list[str]]:
    """Usable presets, the workflows by name, and a sentence for each file that was refused."""
    presets, problems = load_presets(library_dirs(settings, "models"))
    workflows, workflow_problems = load_workflows(library_dirs(settings, "workflows"))
    problems += workflow_problems
    usable = []
    for preset in presets:
        if preset.workflow in workflows:
            usable.append(preset)
        else:
            problems.append(f"preset {preset.name}: its workflow {preset.workflow!r} is not loaded")
    for problem in problems:
        log.warning("skipped %s", problem)
    return usable, workflows, problems
