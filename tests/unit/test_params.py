import pytest

from dgx_pixels_worker.jobs.params import complete_sprite_params
from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.protocol.messages import GenerateRequest, ModelInfo
from dgx_pixels_worker.settings.config import load_settings
from dgx_pixels_worker.settings.presets import load_presets

MODELS = [
    ModelInfo(
        name="procedural",
        backend="procedural",
        kind="procedural",
        available=True,
        defaults={"width": 64, "height": 64, "steps": 8, "cfg": 0.0},
        limits={"min_size": 16, "max_size": 128},
    ),
    ModelInfo(name="sdxl", backend="gpu1", kind="comfyui", available=False, reason="checkpoint not installed"),
]
LIMITS = load_settings(env={}).limits


def _resolve(**kw):
    return complete_sprite_params(GenerateRequest(**{"prompt": "knight", **kw}), MODELS, "", LIMITS)


def test_defaults_come_from_the_model():
    params = _resolve(seed=5)
    assert (params.model, params.width, params.height, params.steps, params.seed) == (
        "procedural",
        64,
        64,
        8,
        5,
    )
    assert 0 <= _resolve().seed < 2**32


@pytest.mark.parametrize(
    "kw, code, words",
    [
        ({"model": "nope"}, ErrorCode.UNKNOWN_MODEL, "available: procedural"),
        ({"model": "sdxl"}, ErrorCode.UNKNOWN_MODEL, "checkpoint not installed"),
        ({"width": 4096, "height": 64}, ErrorCode.INVALID, "outside 16..128"),
        ({"width": 8, "height": 8}, ErrorCode.INVALID, "outside 16..128"),
        ({"count": 10_000}, ErrorCode.INVALID, "split it"),
        ({"steps": 10_000}, ErrorCode.INVALID, "steps"),
        ({"prompt": "   "}, ErrorCode.INVALID, "prompt is empty"),
        ({"prompt": "x" * 5000}, ErrorCode.INVALID, "the limit is 2000"),
        ({"negative": "x" * 5000}, ErrorCode.INVALID, "negative prompt is 5000 characters"),
        ({"tags": ["t" * 40]}, ErrorCode.INVALID, "longer than"),
    ],
)
def test_bad_parameters_are_refused_with_a_way_out(kw, code, words):
    with pytest.raises(WorkerError) as caught:
        _resolve(**kw)
    assert caught.value.code == code and words in caught.value.message


def test_tags_are_normalised():
    assert _resolve(tags=[" Character ", "character", "", "Item"]).tags == ("character", "item")


@pytest.mark.parametrize(
    ("post", "words"),
    [
        ("upscale:32,upscale:32", "would make a 64x64 image at least 65536x65536, beyond the 2048 pixels a side"),
        ("grid:size=32,upscale:32,upscale:4", "at least 4096x4096"),
        (",".join(["trim"] * 17), "has 17 steps; the limit is 16"),
        ("palette:/etc/passwd", "'/etc/passwd' is not a palette name"),
    ],
)
def test_post_processing_is_bounded_when_the_job_is_submitted(post, words):
    with pytest.raises(WorkerError) as caught:
        _resolve(postprocess=post)
    assert caught.value.code == ErrorCode.INVALID and caught.value.details == {"field": "postprocess"}
    assert words in caught.value.message


def test_the_step_limit_is_a_setting():
    strict = load_settings(env={"DGX_PIXELS_LIMITS__MAX_POSTPROCESS_STEPS": "2"}).limits
    request = GenerateRequest(prompt="knight", postprocess="trim,trim,trim")
    with pytest.raises(WorkerError, match="has 3 steps; the limit is 2"):
        complete_sprite_params(request, MODELS, "", strict)
    assert len(_resolve(postprocess="grid,upscale:32,upscale:32").postprocess) == 3  # its size shows when it runs


@pytest.mark.parametrize("raw", ["none", "raw", "None", ""])
def test_a_preset_may_keep_its_renders_raw(tmp_path, raw):
    (tmp_path / "plain.toml").write_text(f'name = "plain"\ncheckpoint = "x.safetensors"\npostprocess = "{raw}"\n')
    presets, problems = load_presets([tmp_path])
    assert problems == [] and presets[0].postprocess == []
