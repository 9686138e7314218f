"""`dgx-pixels train` refuses what cannot train before anything is sent, with exit 2, a message that says what to
do, the error as JSON with --json, and never a traceback: a bad name or number, a folder that is missing, empty or
holds a file that is no image, and a base that is a procedural style (all a procedural-only worker has)."""

import json
from pathlib import Path

import pytest
from PIL import Image

from tests.support.cli import dgx
from tests.support.worker_process import WorkerProcess


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):
    worker = WorkerProcess(tmp_path_factory.mktemp("training-cli")).start()
    try:
        yield worker.cli_env()
    finally:
        worker.terminate()


def sprites(folder: Path, names=("red_knight.png", "blue-knight.png")) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for number, name in enumerate(names):
        Image.new("RGBA", (16, 16), (200, 40 * number, 40, 255)).save(folder / name)
    return folder


def offline(*arguments):
    """`train start` with no worker at its address: whatever it refuses, it refuses by itself."""
    return dgx("train", "start", *arguments, "--no-spawn", "--connect", "tcp://127.0.0.1:9", env={})


def refused(result, *words):
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)


def test_without_an_action_argparse_lists_them(tmp_path):
    result = dgx("train", env={})
    refused(result, "train [-h] {start,list,show,evaluate}", "required: action")


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["Knights"], ["'Knights': a preset name is 1-48 lowercase letters"]),
        (["k", "--steps", "1"], ["--steps", "1 is too small: give 2 or more"]),
        (["k", "--rank", "500"], ["--rank", "500 is too large: give 128 or less"]),
        (["k", "--lr", "2"], ["--lr", "give a learning rate from 1e-7 to 1"]),
        (["k", "--lr", "fast"], ["'fast' is not a number"]),
        (["k", "--size", "16"], ["--size", "give 64 or more"]),
        (["k"], ["no dataset: give --folder DIR"]),
    ],
)
def test_bad_arguments_are_refused_before_asking_the_worker(arguments, words):
    # no worker at this address: each refusal comes from the command itself
    result = offline(*arguments, "--base", "sdxl")
    refused(result, *words)


def test_a_missing_folder_is_refused_with_json_too(tmp_path):
    result = offline("k", "--base", "sdxl", "--folder", str(tmp_path / "nope"), "--json")
    refused(result, "does not exist")
    error = json.loads(result.stdout)
    assert error["exit"] == 2 and error["error"]["details"] == {"field": "folder"}


def test_an_empty_folder_and_one_of_text_files_are_refused(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("no sprites here")
    for folder in (empty, tmp_path / "notes"):
        result = offline("k", "--base", "b", "--folder", str(folder))
        refused(result, "holds no PNG, JPEG, WebP or GIF image")


def test_a_file_named_as_an_image_that_is_none_is_named(tmp_path):
    folder = sprites(tmp_path / "set")
    (folder / "broken.png").write_bytes(b"not a png at all")
    result = offline("k", "--base", "b", "--folder", str(folder))
    refused(result, "broken.png is not a readable image; replace it or move it out of the folder")


def test_a_captions_file_without_tabs_names_its_line(tmp_path):
    folder = sprites(tmp_path / "set")
    captions = tmp_path / "captions.tsv"
    captions.write_text("red_knight.png\ta red knight\nblue-knight.png a blue knight\n")
    result = offline("k", "--base", "b", "--folder", str(folder), "--captions", str(captions))
    refused(result, "captions.tsv line 2: write the image, a tab, then its caption")


def test_a_procedural_style_cannot_be_a_base(env, tmp_path):
    folder = sprites(tmp_path / "set")
    result = dgx("train", "start", "knights", "--base", "procedural", "--folder", str(folder), "--json", env=env)
    refused(result, "--base procedural: a procedural style has no checkpoint to train a LoRA on", "no ComfyUI server")
    assert json.loads(result.stdout)["error"]["code"] == "invalid"


def test_an_unknown_base_lists_the_choices(env, tmp_path):
    result = dgx("train", "start", "knights", "--base", "nope", "--query", "knight", env=env)
    refused(result, "--base nope: no such preset", "see `dgx-pixels models`")


def test_list_says_how_to_train_and_show_names_what_is_trained(env):
    listed = dgx("train", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "no preset trained yet: `dgx-pixels train start NAME --base PRESET --folder DIR`" in listed.stdout
    assert json.loads(dgx("train", "list", "--json", env=env).stdout) == {"trained": []}
    shown = dgx("train", "show", "nope", env=env)
    refused(shown, "no trained preset 'nope'", "dgx-pixels train list")
