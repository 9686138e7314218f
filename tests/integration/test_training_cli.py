"""`dgx-pixels train` from the shell against a worker driving the ComfyUI double: a folder here is sent and trained
on with its captions, `--wait` follows the job by its stage and time (no step bar) and ends with where the preset
and the LoRA are; `train list` and `show` give the verdict and provenance; `train evaluate --wait` makes the blind
comparisons, a vote on one reaches the leaderboard's head-to-head; a folder with a useless image is refused."""

import asyncio
import json
from pathlib import Path

import pytest
from PIL import Image

from tests.integration.test_comfyui_backend import wait_until_usable
from tests.support.cli import dgx
from tests.support.comfyui_rig import BASE, comfyui_rig
from tests.support.sprite_images import square_sprite

PRESET = "sdxl-pixel-art"


@pytest.fixture
def rig(tmp_path):
    """(a ComfyUI double, a worker driving it, the CLI's environment); both killed after the test."""
    with comfyui_rig(tmp_path) as (gpu, worker):

        async def usable() -> None:
            async with worker.client() as client:
                await wait_until_usable(client, PRESET)

        asyncio.run(usable())
        yield gpu, worker, worker.cli_env()


def sprites(folder: Path) -> Path:
    folder.mkdir()
    for name, colour in (("red_knight.png", (200, 30, 30)), ("blue-knight.png", (30, 30, 200)), ("c.png", (9, 9, 9))):
        square_sprite(colour).save(folder / name)
    (folder / "c.txt").write_text("a black knight\n")
    return folder


def ok(result):
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


def test_a_folder_trained_listed_shown_evaluated_voted_and_on_the_leaderboard(rig, tmp_path):
    _, worker, env = rig
    folder = sprites(tmp_path / "knights")
    start = ["train", "start", "knights", "--base", PRESET, "--folder", str(folder)]
    trained = ok(dgx(*start, "--steps", "4", "--rank", "4", "--size", "64", "--seed", "9", "--wait", env=env))
    assert "sent 3/3 images" in trained.stderr
    assert "no step progress from ComfyUI while training" in trained.stderr
    assert "completed" in trained.stderr and "%" not in trained.stderr  # the stage and time, never a bar
    lines = trained.stdout.splitlines()
    assert lines[0].startswith(f"preset knights: {PRESET} + LoRA ") and "(on gpu1)" in lines[0]
    lora_file = Path(lines[1].removeprefix("LoRA file: "))
    assert lora_file.is_file() and lora_file.is_relative_to(worker.data_dir)
    assert lines[-1] == "next: `dgx-pixels train evaluate knights --wait`, then vote"
    queue = ok(dgx("queue", env={**env, "COLUMNS": "200"})).stdout
    [row] = [line for line in queue.splitlines() if "train LoRA knights" in line]
    assert "trained" in row and "%" not in row  # a training has no bar, here either

    listed = json.loads(ok(dgx("train", "list", "--json", env=env)).stdout)["trained"]
    assert [t["name"] for t in listed] == ["knights"]
    assert sorted(e["caption"] for e in listed[0]["dataset"]) == ["a black knight", "blue knight", "red knight"]
    table = ok(dgx("train", "list", env=env)).stdout
    assert "knights" in table and f"untested against {PRESET}: `dgx-pixels train evaluate knights`" in table
    shown = ok(dgx("train", "show", "knights", "--loss-curve", str(tmp_path / "loss.png"), env=env)).stdout
    assert Image.open(tmp_path / "loss.png").size[0] > 100  # fetched from the worker, as over a tunnel
    nowhere = dgx("train", "show", "knights", "--loss-curve", str(tmp_path / "no" / "loss.png"), env=env)
    assert nowhere.returncode == 2 and "existing folder" in nowhere.stderr
    assert f"preset     knights: {PRESET} ({BASE}) + LoRA " in shown
    assert "parameters steps 4 · rank 4 · learning rate 0.0002 · seed 9 · size 64x64" in shown
    assert str(lora_file) in shown and "a black knight" in shown

    evaluated = ok(dgx("train", "evaluate", "knights", "--rounds", "2", "--seed", "50", "--wait", env=env))
    ids = [line.split()[0] for line in evaluated.stdout.splitlines()[:2]]
    assert all("completed" in line for line in evaluated.stdout.splitlines()[:2])
    assert "2/2 comparisons rendered" in evaluated.stderr
    assert f"`dgx-pixels vote {ids[0]} 1`" in evaluated.stdout
    voted = json.loads(ok(dgx("vote", ids[0], "1", "--json", env=env)).stdout)
    winner = voted["comparison"]["panels"][0]["model"]
    board = ok(dgx("leaderboard", env=env)).stdout
    versus = board.split("Trained presets against their base")[1]
    row = next(line for line in versus.splitlines() if "knights" in line and PRESET in line)
    assert ("1-0-0" if winner == "knights" else "0-1-0") in row


def test_a_trained_preset_is_trained_again_from_its_provenance(rig, tmp_path):
    _, _, env = rig
    folder = sprites(tmp_path / "knights")
    first = ["train", "start", "knights", "--base", PRESET, "--folder", str(folder), "--rank", "4", "--size", "64"]
    ok(dgx(*first, "--steps", "4", "--seed", "9", "--wait", env=env))
    ok(dgx("train", "start", "knights-again", "--like", "knights", "--steps", "2", "--wait", env=env))
    trained = {t["name"]: t for t in json.loads(ok(dgx("train", "list", "--json", env=env)).stdout)["trained"]}
    again, before = trained["knights-again"], trained["knights"]
    assert (again["base"], again["rank"], again["seed"], again["size"], again["steps"]) == (PRESET, 4, 9, 64, 2)
    assert [(e["image"], e["caption"]) for e in again["dataset"]] == [
        (e["image"], e["caption"]) for e in before["dataset"]
    ]
    missing = dgx("train", "start", "x", "--like", "nobody", env=env)
    assert missing.returncode == 2 and "no trained preset 'nobody'" in missing.stderr
    neither = dgx("train", "start", "x", "--images", "abc", env=env)
    assert neither.returncode == 2 and "--base PRESET, or --like NAME" in neither.stderr


def test_a_folder_with_an_image_of_one_colour_is_shown_and_refused(rig, tmp_path):
    *_, env = rig
    folder = sprites(tmp_path / "knights")
    Image.new("RGBA", (16, 16), (90, 90, 90, 255)).save(folder / "flat.png")
    result = dgx("train", "start", "knights", "--base", PRESET, "--folder", str(folder), env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Dataset · 4 image(s)" in result.stdout and "a single colour" in result.stdout
    assert "the dataset cannot be trained on:" in result.stderr and "single colour" in result.stderr
    as_json = dgx("train", "start", "knights", "--base", PRESET, "--folder", str(folder), "--json", env=env)
    error = json.loads(as_json.stdout)
    assert error["exit"] == 2 and error["error"]["details"]["problems"]
    assert json.loads(ok(dgx("train", "list", "--json", env=env)).stdout) == {"trained": []}


def test_a_training_that_fails_on_the_server_exits_1_with_the_reason(rig, tmp_path):
    gpu, _, env = rig
    gpu.control(lora_disk_full=1)
    folder = sprites(tmp_path / "knights")
    result = dgx("train", "start", "knights", "--base", PRESET, "--folder", str(folder), "--steps", "4", "--wait",
                 "--json", env=env)  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    out = json.loads(result.stdout)
    assert out["exit"] == 1 and out["error"]["code"] == "job_failed"
    assert "disk is full" in out["error"]["message"] and out["job"]["state"] == "failed"
    assert "disk is full" in result.stderr
