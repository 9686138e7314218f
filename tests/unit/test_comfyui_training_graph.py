"""The LoRA training graph fitted to what a server's /object_info says its nodes take (the double's specs are a real
0.3.64 server's): everything filled and checked, an unknown option dropped, anything else refused with a sentence."""

import copy
import json

import pytest

from dgx_pixels_worker.backends.base import TrainingImage, TrainingTask
from dgx_pixels_worker.backends.comfyui.training import saved_lora
from dgx_pixels_worker.backends.comfyui.training_graph import (
    GraphRefused,
    TrainingOptions,
    lora_basename,
    training_graph,
)

from tests.support.comfyui_double.directories import ServerDirectories
from tests.support.comfyui_double.node_catalog import build_node_catalog

NODES = ("CheckpointLoaderSimple", "LoraLoader", "TrainLoraNode", "SaveLoRANode", "LossGraphNode")


@pytest.fixture
def object_info(tmp_path):
    catalog = build_node_catalog(ServerDirectories(tmp_path))
    info = {name: catalog[name].node_info() for name in (*NODES, "LoadImageTextSetFromFolderNode")}
    return json.loads(json.dumps(info))  # as it comes over the wire


def task(images=6, steps=8, rank=4, name="Knights v2"):
    return TrainingTask(
        job_id="f00dfeed12345678",
        name=name,
        checkpoint="base.safetensors",
        images=tuple(TrainingImage(b"png", "caption") for _ in range(images)),
        steps=steps,
        rank=rank,
        learning_rate=1e-4,
        seed=5,
        size=64,
    )


def by_class(graph):
    return {node["class_type"]: node["inputs"] for node in graph.values()}


def test_every_required_input_is_filled_and_outputs_are_wired_by_name(object_info):
    bound = training_graph(task(), object_info, TrainingOptions(), "gpu1")
    nodes = by_class(bound.graph)
    for class_type in ("TrainLoraNode", "SaveLoRANode", "LossGraphNode", "LoadImageTextSetFromFolderNode"):
        assert set(object_info[class_type]["input"]["required"]) <= set(nodes[class_type])
    train_id = next(i for i, n in bound.graph.items() if n["class_type"] == "TrainLoraNode")
    # TrainLoraNode's outputs: model_with_lora, lora, loss, steps
    assert nodes["SaveLoRANode"]["lora"] == [train_id, 1] and nodes["SaveLoRANode"]["steps"] == [train_id, 3]
    assert nodes["LossGraphNode"]["loss"] == [train_id, 2]
    assert nodes["TrainLoraNode"]["batch_size"] == 4  # at most 4, at most the images there are
    assert bound.folder == "dgx-pixels-train-f00dfeed12345678" == nodes["LoadImageTextSetFromFolderNode"]["folder"]
    assert bound.lora_prefix == "loras/dgxp_Knights-v2_f00dfeed" == "loras/" + lora_basename("Knights v2", "f00dfeed")


def test_a_one_step_training_has_no_loss_curve_and_two_images_make_a_batch_of_two(object_info):
    bound = training_graph(task(images=2, steps=1), object_info, TrainingOptions(), "gpu1")
    nodes = by_class(bound.graph)
    assert "LossGraphNode" not in nodes and bound.loss_prefix is None  # ComfyUI divides by zero on one step
    assert nodes["TrainLoraNode"]["batch_size"] == 2


def test_an_option_the_server_does_not_know_is_left_out(object_info):
    older = copy.deepcopy(object_info)
    del older["TrainLoraNode"]["input"]["required"]["algorithm"]
    nodes = by_class(training_graph(task(), older, TrainingOptions(), "gpu1").graph)
    assert "algorithm" not in nodes["TrainLoraNode"] and nodes["TrainLoraNode"]["rank"] == 4


def test_a_server_whose_nodes_take_something_else_is_refused_with_what_to_do(object_info):
    newer = copy.deepcopy(object_info)
    newer["TrainLoraNode"]["input"]["required"]["noise_offset"] = ["FLOAT", {"default": 0.0}]
    with pytest.raises(GraphRefused, match=r"^gpu1's TrainLoraNode needs noise_offset, .*update dgx-pixels"):
        training_graph(task(), newer, TrainingOptions(), "gpu1")
    without_rank = copy.deepcopy(object_info)
    del without_rank["TrainLoraNode"]["input"]["required"]["rank"]
    with pytest.raises(GraphRefused, match=r"^gpu1's TrainLoraNode has no rank input: update ComfyUI on gpu1$"):
        training_graph(task(), without_rank, TrainingOptions(), "gpu1")
    with pytest.raises(GraphRefused, match=r"does not take training_dtype 'fp16' \(it takes: bf16, fp32\)"):
        training_graph(task(), object_info, TrainingOptions(training_dtype="fp16"), "gpu1")
    with pytest.raises(GraphRefused, match=r"^rank 256 is outside what gpu1's TrainLoraNode takes \(1 to 128\)$"):
        training_graph(task(rank=256), object_info, TrainingOptions(), "gpu1")
    del object_info["SaveLoRANode"]
    with pytest.raises(GraphRefused, match=r"^gpu1 has no SaveLoRANode node"):
        training_graph(task(), object_info, TrainingOptions(), "gpu1")


def test_thesaved_lora_is_the_newest_file_of_the_jobs_prefix_and_steps(object_info):
    listed = [
        "dgxp_knights_f00dfeed_8_steps_00001_.safetensors",
        "dgxp_knights_f00dfeed_8_steps_00009_.safetensors",  # trained again: ComfyUI counts on from the steps
        "dgxp_knights_f00dfeed_4_steps_00012_.safetensors",
        "dgxp_knights_f00dfeed2_8_steps_00020_.safetensors",
        "other.safetensors",
    ]
    object_info["LoraLoader"]["input"]["required"]["lora_name"][0] = listed
    assert saved_lora(object_info, "dgxp_knights_f00dfeed", 8) == listed[1]
    assert saved_lora(object_info, "dgxp_knights_f00dfeed", 16) is None
