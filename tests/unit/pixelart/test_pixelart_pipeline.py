"""Pipeline specs: validation errors a user can act on, the short CLI form, and the record of a run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dgx_pixels_worker.pixelart import (
    DEFAULT_PIPELINE,
    OPS,
    PipelineError,
    parse_pipeline,
    run_pipeline,
    validate_pipeline,
)
from dgx_pixels_worker.pixelart.synthetic import flatten, soften


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([{"op": "blur"}], r"step 1: unknown op 'blur'; use one of grid, quantize, palette"),
        (
            [{"op": "grid"}, {"op": "quantize", "colors": 300}],
            r"step 2 \(quantize\): colors=300 is out of range; use an integer from 2 to 256",
        ),
        ([{"op": "quantize", "colors": "16"}], r"colors='16' has the wrong type; use an integer"),
        ([{"op": "quantize", "colors": 16.0}], r"colors=16.0 has the wrong type"),
        ([{"op": "upscale", "factor": 0}], r"factor=0 is out of range; use an integer from 1 to 32"),
        ([{"op": "upscale", "factor": 33}], r"factor=33 is out of range"),
        ([{"op": "upscale"}], r"upscale\): factor is required"),
        ([{"op": "trim", "pad": 1}], r"unknown parameter 'pad'; trim takes padding"),
        ([{"op": "outline", "color": "#12345"}], r"color='#12345' is not allowed; use a colour like #222034"),
        ([{"op": "outline", "diagonal": "yes"}], r"diagonal='yes' has the wrong type; use true or false"),
        ([{"op": "background", "tolerance": -1}], r"tolerance=-1 is out of range; use a number from 0 to 442"),
        ([{"op": "grid", "pitch": 16, "size": 64}], r"give pitch or size, not both"),
        ([{"op": "grid", "size": [64, 64, 1]}], r"needs two values"),
        ([{"op": "palette", "name": "pico9"}], r"step 1 \(palette\): unknown palette 'pico9'; this worker has pico8"),
        ([{"op": "palette", "name": "missing/file.hex"}], r"'missing/file.hex' is not a palette name"),
        ([{"op": "palette"}], r"step 1 \(palette\): give name .* or colors"),
        ([{"op": "palette", "name": "pico8", "colors": ["#000000"]}], r"one of the two"),
        ([{"op": "palette", "colors": []}], r"colors has 0 colours; use a list of 1 to 256 colours"),
        ([{"op": "palette", "colors": ["#000000"] * 257}], r"colors has 257 colours"),
        ([{"op": "palette", "colors": ["#000000", "teal"]}], r"colors: colour 2 \('teal'\) is not a colour"),
        ([{"op": "palette", "colors": "#000000"}], r"has the wrong type; use a list of 1 to 256 colours"),
        ([{"colors": 4}], r"a step is a dict with an 'op' key"),
        ({"op": "grid"}, r"a pipeline is a list of steps"),
    ],
)
def test_bad_specs_say_what_to_do(steps, message):
    with pytest.raises(PipelineError, match=message):
        validate_pipeline(steps)
    assert issubclass(PipelineError, ValueError)


def test_validation_fills_in_defaults_without_touching_the_spec():
    spec = [{"op": "grid", "size": [64, 48]}, {"op": "outline", "color": [0, 0, 0]}, {"op": "upscale", "factor": 4}]
    checked = validate_pipeline(spec)
    assert checked == [
        {"op": "grid", "pitch": None, "size": [64, 48]},
        {"op": "outline", "color": "#000000", "diagonal": False},
        {"op": "upscale", "factor": 4},
    ]
    assert spec[1] == {"op": "outline", "color": [0, 0, 0]}
    assert all(set(step) - {"op"} == set(OPS[step["op"]]) for step in checked)


def test_cli_form():
    assert parse_pipeline("grid,quantize:colors=16,background,outline,trim:padding=1") == [
        {"op": "grid", "pitch": None, "size": None},
        {"op": "quantize", "colors": 16},
        {"op": "background", "tolerance": 40.0, "color": None},
        {"op": "outline", "color": "#181425", "diagonal": False},
        {"op": "trim", "padding": 1},
    ]
    steps = parse_pipeline(" grid:size=64x48 , palette:pico8, outline:color=#000000:diagonal=true, upscale:4 ")
    assert steps[0]["size"] == [64, 48]
    assert steps[1]["name"] == "pico8"
    assert steps[2] == {"op": "outline", "color": "#000000", "diagonal": True}
    assert steps[3] == {"op": "upscale", "factor": 4}
    assert parse_pipeline("grid:pitch=10.5")[0]["pitch"] == 10.5
    assert parse_pipeline("background:color=auto")[0]["color"] is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("grid,,background", r"step 2 is empty"),
        ("quantize:colors=abc", r"step 1 \(quantize\): colors='abc' is not valid; use an integer"),
        ("quantize:colours=8", r"unknown parameter 'colours'; quantize takes colors"),
        ("grid:size=64x", r"size='64x' is not valid"),
        ("outline:diagonal=maybe", r"diagonal='maybe' is not valid; use true or false"),
        ("upscale:factor=64", r"factor=64 is out of range"),
        ("sharpen", r"unknown op 'sharpen'"),
    ],
)
def test_cli_form_errors(text, message):
    with pytest.raises(PipelineError, match=message):
        parse_pipeline(text)


def test_bad_spec_fails_before_any_work():
    with pytest.raises(PipelineError):
        run_pipeline(np.zeros((4, 4, 3), dtype=np.uint8), [{"op": "grid"}, {"op": "upscale", "factor": 99}])


def test_a_step_that_cannot_apply_names_itself():
    image = np.zeros((20, 20, 3), dtype=np.uint8)
    with pytest.raises(PipelineError, match=r"step 2 \(grid\): size must be whole cell counts from 1 to .* 20x20"):
        run_pipeline(image, "trim,grid:size=64")


def test_every_op_runs_and_the_record_is_json(sprite, tmp_path):
    truth = sprite("fire mage", 2, 32)
    image = soften(flatten(truth, (90, 140, 200)), 8, crop=3, seed=4)
    four = ["#000000", "#ff0000", "#00ff00", "#ffffff"]
    steps = [
        *parse_pipeline("grid,background:tolerance=35,quantize:colors=12,palette:db32,outline:diagonal=true"),
        {"op": "palette", "colors": four},
        *parse_pipeline("trim:padding=2,upscale:factor=3"),
    ]

    result, record = run_pipeline(image, steps)

    assert result.mode == "RGBA"
    assert json.loads(json.dumps(record)) == record
    ops = ["grid", "background", "quantize", "palette", "outline", "palette", "trim", "upscale"]
    assert [r["op"] for r in record] == ops
    grid, background, quant, db32, outline, four, trimmed, up = record
    assert grid["found"]["pitch_x"] == 8.0 and grid["size"] == [32, 32]
    assert grid["found"]["source_size"] == [image.width, image.height]
    found_bg = bytes.fromhex(background["found"]["color"][1:])
    assert max(abs(a - b) for a, b in zip(found_bg, (90, 140, 200), strict=True)) <= 6
    assert background["found"]["removed"] == int((truth[:, :, 3] == 0).sum())
    assert quant["params"] == {"colors": 12} and quant["found"]["colors_after"] <= 12 < quant["found"]["colors_before"]
    assert db32["found"]["palette"] == "DawnBringer 32" and db32["found"]["palette_colors"] == 32
    assert outline["found"]["pixels"] > 0 and outline["params"]["diagonal"] is True
    assert four["found"]["palette"] == "custom" and four["found"]["colors_after"] <= 4
    assert trimmed["found"]["box"] is not None
    w, h = trimmed["size"]
    assert up["size"] == [3 * w, 3 * h] == list(result.size)
    colours = {tuple(c) for c in np.asarray(result).reshape(-1, 4) if c[3]}
    assert colours <= {(0, 0, 0, 255), (255, 0, 0, 255), (0, 255, 0, 255), (255, 255, 255, 255)}


def test_default_pipeline_gives_a_finished_sprite(sprite):
    truth = sprite("red knight", 9, 32)
    image = soften(flatten(truth, (200, 180, 120)), 16, crop=5, seed=9)

    result, record = run_pipeline(image)

    assert [r["op"] for r in record] == [s["op"] for s in DEFAULT_PIPELINE] == ["grid", "background", "quantize"]
    out = np.asarray(result)
    assert out.shape == (32, 32, 4)
    assert set(np.unique(out[:, :, 3])) == {0, 255}
    assert np.array_equal(out[:, :, 3] > 0, truth[:, :, 3] > 0)
    true_colours = len({tuple(c) for c in truth[truth[:, :, 3] > 0]})
    assert abs(len({tuple(c) for c in out[out[:, :, 3] > 0]}) - true_colours) <= 2  # its own palette, not 16
    assert record[2]["found"]["colors_before"] > 10 * true_colours
