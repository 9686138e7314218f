"""What a pipeline may cost: sizes known up front, a run-time guard on every step, and palette files read by
the client, not the worker."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image

from dgx_pixels_worker.jobs.postprocess import postprocess_render
from dgx_pixels_worker.pixelart import (
    PipelineError,
    run_pipeline,
    smallest_output,
    validate_pipeline,
    with_local_palettes,
)


@pytest.mark.parametrize(
    ("spec", "size", "least"),
    [
        ("upscale:32,upscale:32", (16, 16), (16384, 16384)),
        ("quantize,outline,background,upscale:4", (24, 16), (96, 64)),
        ("grid:size=8x4,upscale:2", (512, 512), (16, 8)),
        ("grid,upscale:32", (1024, 1024), (32, 32)),  # the grid's size shows only when it runs
        ("trim:padding=3,upscale:2", (64, 64), (12, 12)),
        ("trim,upscale:5", (64, 64), (5, 5)),
    ],
)
def test_the_least_output_size_is_known_before_running(spec, size, least):
    assert smallest_output(validate_pipeline(spec), size) == least


def test_a_step_beyond_the_largest_side_is_refused_before_it_allocates():
    image = np.zeros((1024, 1024, 4), np.uint8)
    started = time.monotonic()
    with pytest.raises(PipelineError, match=r"step 2 \(upscale\): the image would be 32768x32768, beyond the 2048"):
        run_pipeline(image, "upscale:1,upscale:32", max_side=2048)
    assert time.monotonic() - started < 1.0
    with pytest.raises(PipelineError, match=r"step 1 \(trim\): the image would be 2560x2560"):
        run_pipeline(np.full((2048, 2048, 4), 255, np.uint8), "trim:padding=256", max_side=2048)
    result, _ = run_pipeline(np.zeros((16, 16, 4), np.uint8), "upscale:32,upscale:4", max_side=2048)
    assert result.size == (2048, 2048)


def test_a_render_whose_post_processing_would_be_too_large_is_kept_as_it_is():
    render = Image.new("RGBA", (64, 64), (200, 30, 30, 255))
    kept = postprocess_render(render, {"prompt": "x"}, validate_pipeline("upscale:16,upscale:16"), max_size=2048)
    assert (kept.width, kept.height) == (64, 64)
    assert "beyond the 2048 pixels a side" in kept.metadata["postprocess_error"]
    default = postprocess_render(render, {"prompt": "x"}, validate_pipeline("upscale:16,upscale:16"))
    assert (default.width, default.height) == (64, 64)  # the shipped max_size when none is named


def test_a_palette_file_on_the_clients_machine_is_sent_as_its_colours(tmp_path):
    mine = tmp_path / "mine.gpl"
    mine.write_text("GIMP Palette\n26 28 44\n93 39 93\n")

    sent = with_local_palettes(f"grid,palette:{mine},upscale:2")

    assert sent == [
        {"op": "grid"},
        {"op": "palette", "colors": ["#1a1c2c", "#5d275d"]},
        {"op": "upscale", "factor": 2},
    ]
    assert validate_pipeline(sent)[1] == {"op": "palette", "colors": ["#1a1c2c", "#5d275d"]}
    assert with_local_palettes([{"op": "palette", "name": str(mine)}]) == [
        {"op": "palette", "colors": ["#1a1c2c", "#5d275d"]}
    ]


@pytest.mark.parametrize("spec", ["grid,palette:pico8", "none", "grid,sparkle", [{"op": "palette", "name": "db32"}]])
def test_specs_without_a_local_palette_file_go_as_they_are(spec, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert with_local_palettes(spec) is spec


@pytest.mark.parametrize("name", ["~/nope.hex", "./nope.gpl", "nope.pal", "{tmp}/dir"])
def test_a_palette_file_that_cannot_be_read_is_an_error_on_the_client(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "dir").mkdir()
    with pytest.raises(PipelineError, match=r"step 1 \(palette\): .*(not found|not a regular file)"):
        with_local_palettes(f"palette:{name.format(tmp=tmp_path)}")
