"""ComfyUI's quirks as the worker words them: choice lists over 20, range bounds, samplers a server lacks,
graphs with two samplers, and sizes ComfyUI silently rounds."""

import pytest

from dgx_pixels_worker.backends.comfyui.availability import unavailable_reason
from dgx_pixels_worker.backends.comfyui.backend import _StepBar
from dgx_pixels_worker.backends.comfyui.validation_errors import explain_rejection
from dgx_pixels_worker.backends.comfyui.workflow import BindParams, WorkflowTemplate
from dgx_pixels_worker.jobs.params import complete_sprite_params
from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.protocol.messages import GenerateRequest, ModelInfo
from dgx_pixels_worker.settings.config import load_settings
from dgx_pixels_worker.settings.presets import LoraRef, ModelPreset

from tests.support.comfyui_double.nodes_sampling import SAMPLERS, SCHEDULERS
from tests.support.comfyui_workflows import HIRES

PRESET = ModelPreset(name="pix", checkpoint="a.safetensors", defaults={"sampler": "euler_fancy"})
OBJECT_INFO = {
    "CheckpointLoaderSimple": {"input": {"required": {"ckpt_name": [["a.safetensors"], {}]}}},
    "LoraLoader": {"input": {"required": {"lora_name": [["l.safetensors"], {}]}}},
    "KSampler": {"input": {"required": {"sampler_name": [SAMPLERS, {}], "scheduler": [SCHEDULERS, {}]}}},
}


def rejection(kind, name, value, message, details, config):
    item = {
        "type": kind,
        "message": message,
        "details": details,
        "extra_info": {"input_name": name, "input_config": config, "received_value": value},
    }
    return {"3": {"errors": [item], "dependent_outputs": ["9"], "class_type": "KSampler"}}


def test_a_choice_list_over_twenty_is_named_from_object_info_not_as_none():
    # As observed: 42 samplers make ComfyUI send input_config null and "(list of length 42)".
    errors = rejection(
        "value_not_in_list",
        "sampler_name",
        "euler_fancy",
        "Value not in list",
        "sampler_name: 'euler_fancy' not in (list of length 42)",
        None,
    )
    text = explain_rejection({}, errors, PRESET, "gpu1", OBJECT_INFO)
    assert "installed: none" not in text
    assert "sampler 'euler_fancy' is not one the server offers (it offers: euler, euler_cfg_pp" in text
    assert "and 36 more" in text


def test_a_short_file_list_is_still_read_from_the_error():
    errors = rejection("value_not_in_list", "ckpt_name", "b.safetensors", "Value not in list", "", [["a.safetensors"]])
    errors["3"]["class_type"] = "CheckpointLoaderSimple"
    assert "checkpoint 'b.safetensors' is not installed (installed: a.safetensors)" in explain_rejection(
        {}, errors, PRESET, "gpu1"
    )


def test_a_range_error_keeps_its_bound():
    errors = rejection(
        "value_bigger_than_max", "width", 16400, "Value 16400 bigger than max of 16384", "width", [["INT"]]
    )
    errors["3"]["class_type"] = "EmptyLatentImage"
    text = explain_rejection({}, errors, PRESET, "gpu1")
    assert "width is out of range for EmptyLatentImage: Value 16400 bigger than max of 16384" in text


def test_every_missing_piece_of_a_preset_is_named_sampler_included():
    preset = ModelPreset(
        name="pix",
        checkpoint="b.safetensors",
        loras=[LoraRef(name="m.safetensors")],
        defaults={"sampler": "euler_fancy", "scheduler": "karras"},
    )
    reason = unavailable_reason(preset, OBJECT_INFO, "gpu1")
    assert "checkpoint b.safetensors is not installed on gpu1" in reason
    assert "LoRA m.safetensors is not installed on gpu1 (installed: l.safetensors)" in reason
    assert "sampler 'euler_fancy' is not offered by gpu1" in reason and "scheduler" not in reason


def test_every_sampler_of_a_hires_fix_graph_gets_the_jobs_seed_and_steps():
    template = WorkflowTemplate.parse("hires", HIRES)
    assert (template.roles.sampler, template.roles.samplers, template.roles.latent) == ("3", ("3", "11"), "5")
    params = BindParams("knight", "", 42, 6, 5.0, "euler", "karras", 64, 64, "a.safetensors", (), "p")
    graph = template.bind(params)
    for node in ("3", "11"):
        inputs = graph[node]["inputs"]
        assert (inputs["seed"], inputs["steps"], inputs["cfg"], inputs["scheduler"]) == (42, 6, 5.0, "karras")
    assert graph["11"]["inputs"]["denoise"] == 0.5 and graph["5"]["inputs"]["width"] == 64


def test_two_samplers_count_as_one_bar_that_never_goes_back():
    graph = {**HIRES, "3": {**HIRES["3"], "inputs": {**HIRES["3"]["inputs"], "steps": 4}}}
    bar = _StepBar(graph, ("3", "11"), 4)
    seen = [bar.at("3", k, 4) for k in range(1, 5)] + [bar.at("11", k, 14) for k in range(1, 15)]
    assert [step for step, _ in seen] == list(range(1, 19))
    assert seen[-1] == (18, 18) and [s for s, t in seen].count(18) == 1
    assert bar.stage("11", "sampling") == "sampling, pass 2 of 2"


@pytest.mark.parametrize(("size", "nearest"), [((65, 65), "64x64 or 72x72"), ((64, 100), "64x96 or 64x104")])
def test_a_size_comfyui_would_round_is_refused_with_the_nearest_sizes(size, nearest):
    model = ModelInfo(name="sdxl", backend="gpu1", kind="comfyui", available=True, limits={"size_multiple": 8})
    request = GenerateRequest(prompt="knight", model="sdxl", width=size[0], height=size[1])
    with pytest.raises(WorkerError) as refused:
        complete_sprite_params(request, [model], "", load_settings(env={}).limits)
    assert refused.value.code == ErrorCode.INVALID and nearest in refused.value.message
