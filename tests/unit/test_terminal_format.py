"""The short texts the command line prints about a running job."""

from dgx_pixels_tui.terminal_format import step_text


def test_a_step_is_shown_with_its_total_and_a_batch_with_its_image():
    assert step_text(0, 1, 3, 8, "shaping knight") == "step 3/8 shaping knight"
    assert step_text(1, 12, 3, 8, "") == "image 2/12 · step 3/8"


def test_a_job_with_no_step_yet_shows_its_stage_not_step_0_of_0():
    requeued = "requeued: gpu1 went away; waiting for a server that can run sdxl-base"
    assert step_text(0, 1, 0, 0, requeued) == requeued
    assert step_text(0, 4, 0, 0, "") == "image 1/4 · waiting"
