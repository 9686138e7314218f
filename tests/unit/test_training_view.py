"""What the CLI and the TUI say about training, and how a folder here becomes a dataset: a training job shows its
stage and time (never a step bar), a verdict its interval, a folder its captions."""

from pathlib import Path

import pytest
from PIL import Image
from rich.console import Console

from dgx_pixels_tui.commands.arena import versus_table
from dgx_pixels_tui.training_folder import own_caption, read_captions, read_folder
from dgx_pixels_tui.training_view import training_progress, verdict_text
from dgx_pixels_worker.protocol import messages as m

from tests.support.recorded_worker import LEADERBOARD, TRAINED, TRAINING_JOB


def test_a_running_training_shows_its_stage_elapsed_time_and_estimate():
    started = TRAINING_JOB.started_at
    assert training_progress(TRAINING_JOB, started + 192) == "training · 3m12s of about 15m00s"
    first = TRAINING_JOB.model_copy(update={"training": TRAINING_JOB.training.model_copy(update={"estimate_s": None})})
    assert training_progress(first, started + 5) == "training · 5.0s (no estimate yet: a first run here)"
    queued = TRAINING_JOB.model_copy(update={"state": m.JobState.QUEUED, "stage": "", "started_at": None})
    assert training_progress(queued, started) == "queued"


def test_a_verdict_says_the_win_rate_its_interval_and_the_games():
    assert verdict_text(TRAINED.evaluation) == "undecided vs sdxl-base: 75% (46–91%) in 10 games"
    untested = TRAINED.evaluation.model_copy(update={"games": 0, "verdict": "untested", "win_rate": None})
    assert verdict_text(untested) == "untested against sdxl-base: `dgx-pixels train evaluate knights-v1`"


def test_the_leaderboard_prints_each_trained_preset_against_its_base():
    board = LEADERBOARD.model_copy(update={"versus": [TRAINED.evaluation]})
    out = Console(width=120, record=True)
    out.print(versus_table(board))
    text = out.export_text()
    assert "knights-v1" in text and "sdxl-base" in text and "7-2-1" in text
    assert "75%" in text and "46%–91%" in text and "undecided" in text


def sprite(path: Path, colour=(200, 30, 30, 255)) -> Path:
    Image.new("RGBA", (16, 16), colour).save(path)
    return path


def test_a_folder_gives_its_images_in_name_order_with_their_captions(tmp_path):
    sprite(tmp_path / "b_red-knight.png")
    sprite(tmp_path / "a.png")
    (tmp_path / "a.txt").write_text("  a green\n slime  ")
    (tmp_path / "notes.md").write_text("ignored")
    images = read_folder(tmp_path, 512)
    assert [i.path.name for i in images] == ["a.png", "b_red-knight.png"]
    assert [i.caption for i in images] == ["a green slime", "b red knight"]
    assert images[0].data == (tmp_path / "a.png").read_bytes()
    overridden = read_folder(tmp_path, 512, {"b_red-knight": "the knight"})
    assert overridden[1].caption == "the knight"


def test_a_folder_with_too_many_or_too_large_images_is_refused(tmp_path):
    for n in range(3):
        sprite(tmp_path / f"{n}.png")
    with pytest.raises(ValueError, match="holds 3 images; a dataset takes at most 2: move some out"):
        read_folder(tmp_path, 2)
    (tmp_path / "huge.png").write_bytes(b"\x89PNG" + bytes(5 * 2**20))
    with pytest.raises(ValueError, match=r"huge.png is 5.0 MB; an image sent may be at most 4 MB"):
        read_folder(tmp_path, 10)


def test_a_captions_file_maps_images_to_captions(tmp_path):
    path = tmp_path / "c.tsv"
    path.write_text("# image\tcaption\n\nknight.png\ta red  knight\n0a1b-0\ta slime\n")
    assert read_captions(path) == {"knight.png": "a red knight", "0a1b-0": "a slime"}
    assert own_caption(tmp_path / "gold_coin-spin.png") == "gold coin spin"
