"""The default [lint] thresholds against real pixel art (tests/data/pixelart_corpus): real sprites pass, and of
the default pipeline's results on their degraded renders only the one whose grid was missed fails."""

import numpy as np

from dgx_pixels_tui.lint_checks import failures
from dgx_pixels_worker.pixelart import DEFAULT_PIPELINE, run_pipeline
from dgx_pixels_worker.pixelart.lint import lint_image
from dgx_pixels_worker.settings.config import LintSettings

from tests.support.pixelart_corpus import cases

DEFAULTS = LintSettings()


def test_real_sprites_pass_the_default_checks_but_two_noisy_tiles_with_many_orphans():
    failing = {c.name: [f.check for f in failures(lint_image(c.truth).to_dict(), DEFAULTS)] for c in cases()}
    assert {name: checks for name, checks in failing.items() if checks} == {
        "tile-floor-04.png": ["orphans"],
        "tile-floor-08.png": ["orphans"],
    }


def test_of_the_pipelines_results_only_the_render_whose_grid_was_missed_fails():
    failing, wrong_size = set(), set()
    for case in cases():
        image, record = run_pipeline(case.render, DEFAULT_PIPELINE)
        if failures(lint_image(image, record=record).to_dict(), DEFAULTS):
            failing.add(case.name)
        if np.asarray(image).shape != case.truth.shape:
            wrong_size.add(case.name)
    assert len(wrong_size) == 1
    assert failing == wrong_size
