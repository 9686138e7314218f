"""The quality checks against the [lint] thresholds: which fail and by how much, the line that shows them, the
[lint] settings, and `export --strict` on an image stored before figures existed."""

import io

import numpy as np
import pytest
from PIL import Image

from dgx_pixels_tui.commands.export import Fetched, refuse_failing
from dgx_pixels_tui.connection import EXIT_FAILED, CommandError
from dgx_pixels_tui.lint_checks import failures, summary
from dgx_pixels_worker.settings.config import ConfigError, LintSettings, load_settings

CLEAN = {
    "colors": 12,
    "opaque": 400,
    "off_palette": None,
    "orphans": 3,
    "semi_transparent": 0.0,
    "grid_fit": 0.92,
    "seam": None,
}
LIMITS = LintSettings()


def test_a_clean_image_fails_nothing_and_figures_that_do_not_apply_fail_nothing():
    assert failures(CLEAN, LIMITS) == []
    assert failures({**CLEAN, "grid_fit": None, "off_palette": None, "seam": None}, LIMITS) == []


@pytest.mark.parametrize(
    ("change", "check", "says"),
    [
        ({"colors": 70}, "colors", "70 colours, 6 more than the 64 allowed ([lint] max_colors)"),
        ({"off_palette": 0.031}, "off_palette", "3.1% of opaque pixels off the locked palette, above the 0% allowed"),
        ({"orphans": 260}, "orphans", "260 orphan pixels, 65% of opaque pixels, above the 60% allowed"),
        ({"semi_transparent": 0.04}, "semi_transparent", "4% of pixels semi-transparent, above the 0% allowed"),
        ({"grid_fit": 0.12}, "grid_fit", "grid fit 0.12, 0.13 below the 0.25 needed ([lint] min_grid_fit)"),
        ({"seam": 2.4}, "seam", "seam score 2.40, 0.90 above the 1.50 allowed ([lint] max_seam)"),
    ],
)
def test_each_check_fails_past_its_threshold_saying_by_how_much(change, check, says):
    [failed] = failures({**CLEAN, **change}, LIMITS)
    assert failed.check == check
    assert says in failed.message


def test_a_failure_also_says_itself_briefly():
    briefs = [f.brief for f in failures({**CLEAN, "colors": 70, "orphans": 260, "grid_fit": 0.12}, LIMITS)]
    assert briefs == ["70 colours > 64", "65% orphans > 60%", "grid 0.12 < 0.25"]
    assert failures({**CLEAN, "seam": 2.4, "off_palette": 0.031}, LIMITS)[0].brief == "3.1% off palette > 0.0%"


def test_thresholds_are_inclusive_and_configurable():
    assert failures({**CLEAN, "colors": 64, "orphans": 240, "grid_fit": 0.25}, LIMITS) == []
    strict = LintSettings(max_colors=8, min_grid_fit=0.95)
    assert [f.check for f in failures(CLEAN, strict)] == ["colors", "grid_fit"]


def test_the_summary_shows_the_figures_that_apply_and_marks_failing_ones():
    assert summary(CLEAN) == "12 colours · 3 orphans · grid 0.92"
    tile = {**CLEAN, "off_palette": 0.0, "semi_transparent": 0.125, "grid_fit": None, "seam": 0.8}
    assert summary(tile) == "12 colours · 0% off palette · 3 orphans · 12% semi-transparent · seam 0.80"
    assert summary(tile, {"seam"}).endswith("· ✗ seam 0.80")
    assert summary(tile, {"colors"}, markup=True).startswith("[b red]✗ 12 colours[/] · ")


def test_the_lint_section_is_read_from_the_configuration(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[lint]\nmax_colors = 16\nmax_seam = 1.2\n")
    settings = load_settings(path)
    assert (settings.lint.max_colors, settings.lint.max_seam, settings.lint.min_grid_fit) == (16, 1.2, 0.25)
    path.write_text("[lint]\nmax_orphans = 2\n")
    with pytest.raises(ConfigError, match="max_orphans"):
        load_settings(path)


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buffer, "PNG")
    return buffer.getvalue()


def test_strict_export_computes_the_figures_of_an_image_stored_without_them():
    noisy = np.random.default_rng(1).integers(0, 256, (16, 16, 4), dtype=np.uint8)
    noisy[..., 3] = 255
    flat = np.zeros((16, 16, 4), np.uint8)
    flat[4:12, 4:12] = (200, 40, 40, 255)
    old = Fetched("abcd-0", png(flat), {"prompt": "old"})  # no "lint": made before figures existed
    refuse_failing([old], False, LIMITS)
    with pytest.raises(CommandError) as refused:
        refuse_failing([old, Fetched("abcd-1", png(noisy), {"prompt": "noise"})], False, LIMITS)
    assert refused.value.exit == EXIT_FAILED and refused.value.code == "lint_failed"
    assert list(refused.value.details["images"]) == ["abcd-1"]
    assert "1 of 2 image(s) fail" in refused.value.message and "more than the 64 allowed" in refused.value.message
