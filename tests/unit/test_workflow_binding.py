"""Binding jobs into ComfyUI API-format workflows by graph role."""

import copy
import json
from pathlib import Path

import pytest

from dgx_pixels_worker.backends.comfyui.workflow import BindParams, WorkflowError, WorkflowTemplate, load_workflows
from dgx_pixels_worker.settings.paths import shipped
from dgx_pixels_worker.settings.presets import LoraRef, load_presets

SHIPPED = json.loads((shipped("workflows") / "txt2img_sprite.json").read_text())


def params(**overrides):
    base = {
        "prompt": "pixel art knight",
        "negative": "blurry",
        "seed": 42,
        "steps": 20,
        "cfg": 6.5,
        "sampler": "euler",
        "scheduler": "karras",
        "width": 512,
        "height": 768,
        "checkpoint": "model.safetensors",
        "loras": (),
        "filename_prefix": "dgx-pixels/job-0",
    }
    base.update(overrides)
    return BindParams(**base)


def upstream_model_chain(graph, sampler="3"):
    chain, link = [], graph[sampler]["inputs"]["model"]
    while link:
        node = graph[link[0]]
        chain.append((node["class_type"], node["inputs"].get("lora_name") or node["inputs"].get("ckpt_name")))
        link = node["inputs"].get("model")
    return chain


def test_shipped_template_binds_every_parameter():
    graph = WorkflowTemplate.parse("t", SHIPPED).bind(params())
    assert graph["6"]["inputs"]["text"] == "pixel art knight" and graph["7"]["inputs"]["text"] == "blurry"
    k = graph["3"]["inputs"]
    assert (k["seed"], k["steps"], k["cfg"], k["sampler_name"], k["scheduler"]) == (42, 20, 6.5, "euler", "karras")
    assert (graph["5"]["inputs"]["width"], graph["5"]["inputs"]["height"], graph["5"]["inputs"]["batch_size"]) == (
        512,
        768,
        1,
    )
    assert graph["9"]["inputs"]["filename_prefix"] == "dgx-pixels/job-0"
    assert upstream_model_chain(graph) == [("CheckpointLoaderSimple", "model.safetensors")]  # template LoRA removed
    assert graph["6"]["inputs"]["clip"] == ["4", 1] and graph["8"]["inputs"]["vae"] == ["4", 2]


def test_preset_lora_chain_is_injected_in_order_on_model_and_clip():
    loras = (
        LoraRef(name="pixel.safetensors", strength_model=0.8, strength_clip=0.7),
        LoraRef(name="sub/outline.safetensors"),
    )
    graph = WorkflowTemplate.parse("t", SHIPPED).bind(params(loras=loras))
    assert upstream_model_chain(graph) == [
        ("LoraLoader", "sub/outline.safetensors"),
        ("LoraLoader", "pixel.safetensors"),
        ("CheckpointLoaderSimple", "model.safetensors"),
    ]
    last = graph["3"]["inputs"]["model"][0]
    assert graph["6"]["inputs"]["clip"] == [last, 1] and graph["7"]["inputs"]["clip"] == [last, 1]
    first = graph[last]["inputs"]["model"][0]
    assert (graph[first]["inputs"]["strength_model"], graph[first]["inputs"]["strength_clip"]) == (0.8, 0.7)
    assert graph["8"]["inputs"]["vae"] == ["4", 2]  # the VAE still comes from the checkpoint


def test_binding_never_changes_the_template():
    template = WorkflowTemplate.parse("t", SHIPPED)
    before = copy.deepcopy(template.graph)
    template.bind(params(loras=(LoraRef(name="x.safetensors"),)))
    assert template.graph == before


def test_roles_follow_wiring_not_node_ids_and_titles_override():
    renumbered = {f"n{k}": copy.deepcopy(v) for k, v in SHIPPED.items()}
    for node in renumbered.values():
        for name, value in node["inputs"].items():
            if isinstance(value, list):
                node["inputs"][name] = [f"n{value[0]}", value[1]]
    # a second sampler makes the wiring ambiguous until one is titled
    renumbered["n99"] = copy.deepcopy(renumbered["n3"])
    with pytest.raises(WorkflowError, match="dgx:sampler"):
        WorkflowTemplate.parse("t", renumbered)
    renumbered["n3"]["_meta"]["title"] = "dgx:sampler"
    roles = WorkflowTemplate.parse("t", renumbered).roles
    assert (roles.sampler, roles.positive, roles.negative, roles.latent, roles.checkpoint) == (
        "n3",
        "n6",
        "n7",
        "n5",
        "n4",
    )


@pytest.mark.parametrize(
    "mutate, words",
    [
        (lambda g: g.pop("9"), "no SaveImage"),
        (lambda g: g["3"]["inputs"].update(negative=["6", 0]), "same node"),
        (lambda g: g["3"]["inputs"].update(latent_image=["4", 0]), "no width and height"),
        (lambda g: g["3"]["inputs"].update(model=["77", 0]), "not in the graph"),
        (lambda g: g["10"]["inputs"].update(model=["10", 0]), "loop"),
        (lambda g: g["6"]["_meta"].update(title="dgx:nonsense"), "names no role"),
    ],
)
def test_unbindable_templates_are_rejected_with_the_reason(mutate, words):
    graph = copy.deepcopy(SHIPPED)
    mutate(graph)
    with pytest.raises(WorkflowError, match=words):
        WorkflowTemplate.parse("t", graph)


def test_editor_format_is_recognised_and_refused():
    with pytest.raises(WorkflowError, match="Save \\(API\\)"):
        WorkflowTemplate.parse("t", {"nodes": [], "links": [], "version": 0.4})


def test_a_users_folder_overrides_and_bad_files_are_reported(tmp_path):
    (tmp_path / "txt2img_sprite.json").write_text(json.dumps(SHIPPED))
    (tmp_path / "broken.json").write_text("{not json")
    found, problems = load_workflows([shipped("workflows"), tmp_path])
    assert set(found) == {"txt2img_sprite"} and len(problems) == 1 and "broken.json" in problems[0]


def test_shipped_presets_load_and_name_their_workflow():
    presets, problems = load_presets([shipped("models")])
    assert problems == []
    names = {p.name for p in presets}
    assert {"sdxl-base", "sdxl-pixel-art"} <= names
    workflows, _ = load_workflows([shipped("workflows")])
    assert all(p.workflow in workflows for p in presets)
    pixel = next(p for p in presets if p.name == "sdxl-pixel-art")
    assert pixel.loras[0].name == "pixel-art-xl.safetensors"


def test_a_bad_preset_names_its_file_and_field(tmp_path):
    (tmp_path / "bad.toml").write_text('checkpoint = "x.safetensors"\n[defaults]\nsteps = 0\n')
    presets, problems = load_presets([tmp_path])
    assert presets == [] and "bad.toml" in problems[0] and "defaults.steps" in problems[0]
    assert Path(problems[0].split(":")[0]).name == "bad.toml"
