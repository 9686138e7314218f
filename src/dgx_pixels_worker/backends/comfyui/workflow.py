"""ComfyUI API-format workflows: find each parameter's node by its role in the graph, and bind a job into it.

Roles are found from the graph's wiring: the sampler is the node with model, positive, negative and
latent_image inputs; the prompts are the nodes feeding its positive and negative inputs; the latent is what
feeds latent_image; the checkpoint loader is found by following the model input upstream. A node titled
`dgx:<role>` takes that role explicitly, for graphs the wiring does not settle. The LoRA loaders on the model
path are replaced by the preset's own chain.

A graph may hold several samplers (a hires fix samples, upscales the latent, and samples again): the first one
(the one no other sampler feeds) is the sampler whose prompts and latent are bound, and every sampler gets the
job's seed, steps, cfg, sampler and scheduler, so nothing of the template's own settings leaks into the image.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...settings.presets import LoraRef

TITLE_PREFIX = "dgx:"
Graph = dict[str, dict[str, Any]]


class WorkflowError(Exception):
    """A template that cannot be used, and why."""


@dataclass(frozen=True)
class Roles:
    sampler: str
    positive: str
    negative: str
    latent: str
    checkpoint: str
    save: tuple[str, ...]
    loras: tuple[str, ...]  # LoRA loaders on the model path, replaced at bind time
    samplers: tuple[str, ...] = ()  # every sampler, in the order they run (the bound one first)


@dataclass(frozen=True)
class BindParams:
    prompt: str
    negative: str
    seed: int
    steps: int
    cfg: float
    sampler: str
    scheduler: str
    width: int
    height: int
    checkpoint: str
    loras: tuple[LoraRef, ...]
    filename_prefix: str


def _is_link(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], int)


@dataclass(frozen=True)
class WorkflowTemplate:
    name: str
    graph: Graph
    roles: Roles

    @classmethod
    def parse(cls, name: str, data: Any) -> WorkflowTemplate:
        graph = _check_graph(data)
        titled = _titled(graph)
        samplers = _in_run_order(
            graph,
            [
                n
                for n, node in graph.items()
                if {"model", "positive", "negative", "latent_image"} <= node["inputs"].keys()
            ],
        )
        sampler = titled.get("sampler") or _only(
            [n for n in samplers if not _upstream(graph, n) & set(samplers)],
            "sampler (a node with model, positive, negative and latent_image inputs)",
        )
        in_order = (sampler, *[n for n in samplers if n != sampler])
        inputs = graph[sampler]["inputs"]
        positive = titled.get("positive") or _source(graph, inputs.get("positive"), "the sampler's positive input")
        negative = titled.get("negative") or _source(graph, inputs.get("negative"), "the sampler's negative input")
        if positive == negative:
            raise WorkflowError("the positive and negative prompts come from the same node; give each its own")
        for role, node_id in (("positive", positive), ("negative", negative)):
            if not isinstance(graph[node_id]["inputs"].get("text"), str):
                raise WorkflowError(
                    f"the {role} prompt node {node_id} ({graph[node_id]['class_type']}) has no text input; "
                    f"feed the sampler from a CLIPTextEncode or title the text node '{TITLE_PREFIX}{role}'"
                )
        latent = titled.get("latent") or _source(graph, inputs.get("latent_image"), "the sampler's latent_image input")
        if not {"width", "height"} <= graph[latent]["inputs"].keys():
            raise WorkflowError(
                f"the latent node {latent} ({graph[latent]['class_type']}) has no width and height; "
                f"use an EmptyLatentImage or title one '{TITLE_PREFIX}latent'"
            )
        checkpoint, loras = _model_path(graph, sampler, titled.get("checkpoint"))
        save = (
            (titled["save"],)
            if "save" in titled
            else tuple(n for n, node in graph.items() if {"images", "filename_prefix"} <= node["inputs"].keys())
        )
        if not save:
            raise WorkflowError("no SaveImage node: add one after the VAE decode so the image is kept")
        return cls(name, graph, Roles(sampler, positive, negative, latent, checkpoint, save, loras, in_order))

    def bind(self, params: BindParams) -> Graph:
        graph = copy.deepcopy(self.graph)
        roles = self.roles
        for lora in roles.loras:
            _bypass(graph, lora)
        _insert_loras(graph, roles.checkpoint, params.loras)
        graph[roles.checkpoint]["inputs"]["ckpt_name"] = params.checkpoint
        graph[roles.positive]["inputs"]["text"] = params.prompt
        graph[roles.negative]["inputs"]["text"] = params.negative
        latent = graph[roles.latent]["inputs"]
        latent["width"], latent["height"] = params.width, params.height
        if "batch_size" in latent:
            latent["batch_size"] = 1
        for node_id in roles.samplers or (roles.sampler,):
            sampler = graph[node_id]["inputs"]
            sampler["noise_seed" if "noise_seed" in sampler else "seed"] = params.seed
            for key, value in (
                ("steps", params.steps),
                ("cfg", params.cfg),
                ("sampler_name", params.sampler),
                ("scheduler", params.scheduler),
            ):
                if key in sampler and not _is_link(sampler[key]):
                    sampler[key] = value
        for node_id in roles.save:
            graph[node_id]["inputs"]["filename_prefix"] = params.filename_prefix
        return graph


def load_workflow(path: Path) -> WorkflowTemplate:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise WorkflowError(f"{path}: cannot be read as JSON ({exc})") from None
    try:
        return WorkflowTemplate.parse(path.stem, data)
    except WorkflowError as exc:
        raise WorkflowError(f"{path}: {exc}") from None


def load_workflows(directories: list[Path]) -> tuple[dict[str, WorkflowTemplate], list[str]]:
    """Every usable template by name (later directories override earlier ones), and the problems found."""
    found: dict[str, WorkflowTemplate] = {}
    problems: list[str] = []
    for directory in directories:
        for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
            try:
                found[path.stem] = load_workflow(path)
            except WorkflowError as exc:
                problems.append(str(exc))
    return found, problems


# ---------------------------------------------------------------- graph helpers


def _check_graph(data: Any) -> Graph:
    if isinstance(data, dict) and "nodes" in data and "links" in data:
        raise WorkflowError("this is ComfyUI's editor format; export the workflow with 'Save (API)' instead")
    if not isinstance(data, dict) or not data:
        raise WorkflowError("an API-format workflow is a JSON object of node id -> {class_type, inputs}")
    for node_id, node in data.items():
        if (
            not isinstance(node, dict)
            or not isinstance(node.get("class_type"), str)
            or not isinstance(node.get("inputs"), dict)
        ):
            raise WorkflowError(f"node {node_id} needs a class_type string and an inputs object")
        for name, value in node["inputs"].items():
            if _is_link(value) and value[0] not in data:
                raise WorkflowError(f"node {node_id} input {name} links to node {value[0]}, which is not in the graph")
    return data


def _titled(graph: Graph) -> dict[str, str]:
    roles: dict[str, str] = {}
    for node_id, node in graph.items():
        title = str(node.get("_meta", {}).get("title", "")).strip().lower()
        if title.startswith(TITLE_PREFIX):
            role = title[len(TITLE_PREFIX) :]
            if role not in ("sampler", "positive", "negative", "latent", "checkpoint", "save"):
                raise WorkflowError(f"node {node_id} is titled {title!r}, which names no role")
            if role in roles:
                raise WorkflowError(f"nodes {roles[role]} and {node_id} are both titled {title!r}")
            roles[role] = node_id
    return roles


def _only(candidates: list[str], what: str) -> str:
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise WorkflowError(f"no {what} in the graph")
    raise WorkflowError(
        f"several candidates for the {what.split(' (')[0]}: nodes {', '.join(candidates)}; "
        f"title the one to use '{TITLE_PREFIX}{what.split(' ')[0]}'"
    )


def _source(graph: Graph, link: Any, what: str) -> str:
    if not _is_link(link):
        raise WorkflowError(f"{what} is not connected")
    return link[0]


def _upstream(graph: Graph, node_id: str) -> set[str]:
    """Every node that `node_id` depends on through its links."""
    seen: set[str] = set()
    todo = [node_id]
    while todo:
        for value in graph[todo.pop()]["inputs"].values():
            if _is_link(value) and value[0] not in seen and value[0] in graph:
                seen.add(value[0])
                todo.append(value[0])
    return seen


def _in_run_order(graph: Graph, nodes: list[str]) -> list[str]:
    """`nodes` ordered so that a node comes after every one of them it depends on."""
    depends = {n: _upstream(graph, n) & set(nodes) for n in nodes}
    return sorted(nodes, key=lambda n: (len(depends[n]), nodes.index(n)))


def _model_path(graph: Graph, sampler: str, titled_checkpoint: str | None) -> tuple[str, tuple[str, ...]]:
    """Walk the sampler's model input upstream to the checkpoint loader, noting the LoRA loaders passed."""
    loras: list[str] = []
    seen: set[str] = set()
    node_id = sampler
    while True:
        link = graph[node_id]["inputs"].get("model")
        if not _is_link(link):
            break
        node_id = link[0]
        if node_id in seen:
            raise WorkflowError("the model inputs form a loop")
        seen.add(node_id)
        inputs = graph[node_id]["inputs"]
        if "lora_name" in inputs:
            loras.append(node_id)
        if "ckpt_name" in inputs or node_id == titled_checkpoint:
            return titled_checkpoint or node_id, tuple(loras)
    if titled_checkpoint:
        return titled_checkpoint, tuple(loras)
    raise WorkflowError(
        "no checkpoint loader upstream of the sampler's model input; use CheckpointLoaderSimple "
        f"or title the loader '{TITLE_PREFIX}checkpoint'"
    )


def _rewire(graph: Graph, old: list[Any], new: list[Any], skip: Container[str] = frozenset()) -> None:
    for node_id, node in graph.items():
        if node_id in skip:
            continue
        for name, value in node["inputs"].items():
            if _is_link(value) and value == old:
                node["inputs"][name] = list(new)


def _bypass(graph: Graph, lora: str) -> None:
    inputs = graph.pop(lora)["inputs"]
    _rewire(graph, [lora, 0], inputs["model"])
    if "clip" in inputs:
        _rewire(graph, [lora, 1], inputs["clip"])


def _insert_loras(graph: Graph, checkpoint: str, loras: tuple[LoraRef, ...]) -> None:
    model, clip = [checkpoint, 0], [checkpoint, 1]
    next_id = max((int(n) for n in graph if n.isdigit()), default=0) + 1
    added: set[str] = set()
    for lora in loras:
        node_id = str(next_id)
        next_id += 1
        graph[node_id] = {
            "class_type": "LoraLoader",
            "inputs": {
                "model": model,
                "clip": clip,
                "lora_name": lora.name,
                "strength_model": lora.strength_model,
                "strength_clip": lora.strength_clip,
            },
            "_meta": {"title": f"LoRA {lora.name}"},
        }
        added.add(node_id)
        model, clip = [node_id, 0], [node_id, 1]
    if added:
        _rewire(graph, [checkpoint, 0], model, skip=added)
        _rewire(graph, [checkpoint, 1], clip, skip=added)
