"""A LoRA training graph for ComfyUI's native nodes, bound by node class and checked against the server's
/object_info: every required input filled, every value one the server takes, or a sentence saying why not.

CheckpointLoaderSimple -> LoadImageTextSetFromFolderNode (the uploaded folder, captions beside the images) ->
VAEEncode -> TrainLoraNode -> SaveLoRANode (into output/loras, which ComfyUI lists among its LoRAs) and
LossGraphNode (a PNG of the loss curve in the temp folder).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..base import TrainingTask

CHECKPOINT, DATASET, ENCODE, TRAIN, SAVE, LOSS = "1", "2", "3", "4", "5", "6"
MAX_BATCH = 4
NO_LORA = "[None]"  # TrainLoraNode.existing_lora for a new LoRA


@dataclass(frozen=True)
class TrainingOptions:
    """What the job does not choose. bf16 halves the memory of a GPU's training; a CPU server needs fp32."""

    training_dtype: str = "bf16"
    lora_dtype: str = "bf16"
    optimizer: str = "AdamW"
    loss_function: str = "MSE"
    algorithm: str = "LoRA"
    gradient_checkpointing: bool = True


@dataclass(frozen=True)
class TrainingGraph:
    graph: dict[str, Any]
    folder: str  # the dataset's subfolder of ComfyUI's input folder
    lora_prefix: str  # SaveLoRANode's prefix, under output/
    loss_prefix: str | None  # LossGraphNode's, or None when the run is too short for a curve


class GraphRefused(Exception):
    """The server's nodes do not take this graph; the message says why and what to do."""


def dataset_folder(job_id: str) -> str:
    return f"dgx-pixels-train-{job_id}"


def lora_basename(name: str, job_id: str) -> str:
    """Unique to the job, so the file it saves is found among the server's LoRAs by its name alone."""
    return f"dgxp_{re.sub(r'[^A-Za-z0-9-]+', '-', name)}_{job_id[:8]}"


def training_graph(
    task: TrainingTask, object_info: dict[str, Any], options: TrainingOptions, server: str
) -> TrainingGraph:
    folder = dataset_folder(task.job_id)
    prefix = f"loras/{lora_basename(task.name, task.job_id)}"
    # LossGraphNode divides by the spread of the losses: one step (a flat curve) fails the whole prompt.
    loss_prefix = f"dgxp_loss_{task.job_id[:8]}" if task.steps >= 2 else None
    nodes: dict[str, tuple[str, dict[str, Any]]] = {
        CHECKPOINT: ("CheckpointLoaderSimple", {"ckpt_name": task.checkpoint}),
        DATASET: (
            "LoadImageTextSetFromFolderNode",
            # resize_method is optional in the spec, but the node has no default for it: without it, a TypeError
            {"folder": folder, "clip": [CHECKPOINT, 1], "resize_method": "None", "width": -1, "height": -1},
        ),
        ENCODE: ("VAEEncode", {"pixels": [DATASET, 0], "vae": [CHECKPOINT, 2]}),
        TRAIN: (
            "TrainLoraNode",
            {
                "model": [CHECKPOINT, 0],
                "latents": [ENCODE, 0],
                "positive": [DATASET, 1],
                "batch_size": max(1, min(len(task.images), MAX_BATCH)),
                "grad_accumulation_steps": 1,
                "steps": task.steps,
                "learning_rate": task.learning_rate,
                "rank": task.rank,
                "optimizer": options.optimizer,
                "loss_function": options.loss_function,
                "seed": task.seed,
                "training_dtype": options.training_dtype,
                "lora_dtype": options.lora_dtype,
                "algorithm": options.algorithm,
                "gradient_checkpointing": options.gradient_checkpointing,
                "existing_lora": NO_LORA,
            },
        ),
        SAVE: ("SaveLoRANode", {"lora": [TRAIN, 1], "prefix": prefix, "steps": [TRAIN, 3]}),
    }
    if loss_prefix is not None:
        nodes[LOSS] = ("LossGraphNode", {"loss": [TRAIN, 2], "filename_prefix": loss_prefix})
    graph = {
        node_id: {"class_type": class_type, "inputs": _fitted(class_type, inputs, object_info, server)}
        for node_id, (class_type, inputs) in nodes.items()
    }
    return TrainingGraph(graph, folder, prefix, loss_prefix)


# Inputs the training cannot do without: a server whose node lacks one trains something else.
_ESSENTIAL = {
    "LoadImageTextSetFromFolderNode": {"folder", "clip"},
    "TrainLoraNode": {"model", "latents", "positive", "steps", "learning_rate", "rank", "seed"},
    "SaveLoRANode": {"lora", "prefix"},
    "LossGraphNode": {"loss"},
}
# Combos whose choices change under our feet: the dataset folder is created by the uploads just before the prompt
# (ComfyUI reads the folder list when it validates it), the checkpoint was checked with the server's lists.
_UNLISTED = {"folder", "ckpt_name"}


def _fitted(class_type: str, inputs: dict[str, Any], object_info: dict[str, Any], server: str) -> dict[str, Any]:
    """`inputs` as the server's node takes them: inputs it does not know left out (an older server without an
    option), or GraphRefused when it needs one we cannot fill, lacks an essential one or refuses a value."""
    info = object_info.get(class_type)
    if info is None:
        if class_type in _ESSENTIAL:
            raise GraphRefused(f"{server} has no {class_type} node: update ComfyUI on {server}")
        return inputs  # the loader and VAEEncode are in every ComfyUI; their lists are not read
    spec = info.get("input", {})
    required, optional = spec.get("required", {}), spec.get("optional", {})
    unknown = sorted(set(required) - set(inputs))
    if unknown:
        raise GraphRefused(
            f"{server}'s {class_type} needs {', '.join(unknown)}, which this dgx-pixels does not fill (the server's "
            f"ComfyUI is newer than it knows): update dgx-pixels, or train on a server with ComfyUI 0.3.6x"
        )
    fitted: dict[str, Any] = {}
    for name, value in inputs.items():
        entry = required.get(name) or optional.get(name)
        if entry is None:
            if name in _ESSENTIAL.get(class_type, ()):
                raise GraphRefused(f"{server}'s {class_type} has no {name} input: update ComfyUI on {server}")
            continue
        if not isinstance(value, list) and name not in _UNLISTED:
            _check_value(class_type, name, value, entry, server)
        fitted[name] = value
    return fitted


def _check_value(class_type: str, name: str, value: Any, entry: Any, server: str) -> None:
    if not isinstance(entry, list) or not entry:
        return
    kind = entry[0]
    options = entry[1] if len(entry) > 1 and isinstance(entry[1], dict) else {}
    choices = kind if isinstance(kind, list) else options.get("options") if kind == "COMBO" else None
    if choices is not None:
        if value not in choices:
            offered = ", ".join(str(choice) for choice in choices[:8]) or "nothing"
            raise GraphRefused(
                f"{server}'s {class_type} does not take {name} {value!r} (it takes: {offered}); update ComfyUI on "
                f"{server} or change the setting"
            )
        return
    if kind in ("INT", "FLOAT") and isinstance(value, int | float):
        low, high = options.get("min"), options.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            raise GraphRefused(f"{name} {value} is outside what {server}'s {class_type} takes ({low} to {high})")
