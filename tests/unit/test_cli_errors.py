"""How the command line reports errors, without a worker: exit statuses by error code, errors as JSON,
arguments checked by the flag the user typed, `--out` checked before anything is queued, `--json` everywhere."""

import argparse
import io
import json
import os
from contextlib import redirect_stderr, redirect_stdout

import pytest

from dgx_pixels_tui import cli
from dgx_pixels_tui.arguments import check_out_folder, checked_request
from dgx_pixels_tui.cli import build_parser, main
from dgx_pixels_tui.exit_codes import CommandError, exit_for
from dgx_pixels_worker.jobs.params import complete_sprite_params
from dgx_pixels_worker.protocol.messages import GenerateRequest, ModelInfo
from dgx_pixels_worker.settings.config import load_settings

from tests.unit.test_cli_handlers import subcommands


@pytest.mark.parametrize(
    "code, details, status",
    [
        ("invalid", {"field": "count"}, 2),
        ("too_large", None, 2),
        ("unknown_model", None, 2),
        ("unknown_job", None, 2),
        ("ambiguous_job", None, 2),
        ("unknown_image", None, 2),
        ("unknown_comparison", None, 2),
        ("invalid", {"state": "running"}, 1),  # a refusal of how things stand, not a bad argument
        ("job_finished", None, 1),
        ("queue_full", None, 1),
        ("forbidden", None, 1),
        ("internal", None, 1),
        ("timeout", None, 3),
        ("access_denied", None, 3),
    ],
)
def test_each_error_code_has_its_exit_status(code, details, status):
    assert exit_for(code, details) == status


def run_main(*argv):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = main(list(argv))
        except SystemExit as exc:
            status = exc.code
    return status, out.getvalue(), err.getvalue()


def test_a_parser_error_with_json_is_json_on_stdout_too():
    status, out, err = run_main("generate", "knight", "--count", "many", "--json")
    assert status == 2 and "invalid int value" in err
    reply = json.loads(out)
    assert reply["exit"] == 2 and reply["error"]["code"] == "usage" and "--count" in reply["error"]["message"]
    status, out, err = run_main("generate", "knight", "--count", "many")
    assert status == 2 and out == ""  # no JSON unless asked for


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--size", "0x0"], "--size 0x0: the width must be at least 1"),
        (["--count", "0"], "--count 0: must be at least 1"),
        (["--count", "-1"], "--count -1: must be at least 1"),
        (["--steps", "0"], "--steps 0: must be at least 1"),
        (["--cfg", "-5"], "--cfg -5.0: must be at least 0"),
        (["--seed", "-3"], "--seed -3: must be at least 0"),
        (["--priority", "500"], "--priority 500: must be at most 100"),
    ],
)
def test_generate_refuses_bad_values_by_their_flag_before_reaching_a_worker(argv, words, tmp_path):
    # --no-spawn and a port nobody listens on: were the arguments not checked first, this would exit 3
    status, out, err = run_main(
        "generate", "knight", *argv, "--no-spawn", "--connect", "tcp://127.0.0.1:9", "--out", str(tmp_path), "--json"
    )
    assert status == 2, err
    assert words in err and "Traceback" not in err and "pydantic" not in err
    reply = json.loads(out)
    assert reply["exit"] == 2 and set(reply["error"]) == {"code", "message", "details"}
    assert reply["error"]["code"] == "invalid" and words in reply["error"]["message"]


def test_compare_refuses_bad_values_the_same_way(tmp_path):
    status, _, err = run_main(
        "compare", "sword", "--models", "procedural,procedural-pico8", "--steps", "0", "--no-spawn",
        "--connect", "tcp://127.0.0.1:9", "--out", str(tmp_path),
    )  # fmt: skip
    assert status == 2 and "--steps 0: must be at least 1" in err


def test_checked_request_names_the_flag():
    with pytest.raises(CommandError) as caught:
        checked_request(GenerateRequest, {"count": "0"}, prompt="x", count=0)
    assert caught.value.message == "--count 0: must be at least 1" and caught.value.exit == 2


def test_out_must_be_a_folder_that_can_be_written(tmp_path, monkeypatch):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    with pytest.raises(CommandError) as caught:
        check_out_folder(a_file)
    assert "is a file, not a folder" in caught.value.message and "--out sprites/" in caught.value.message
    with pytest.raises(CommandError) as caught:
        check_out_folder(a_file / "sprites")
    assert "no folder can be made under it" in caught.value.message
    check_out_folder(tmp_path / "new" / "deeper")  # missing but makeable: fine, made on saving
    assert not (tmp_path / "new").exists()
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(CommandError) as caught:
        check_out_folder(tmp_path)
    assert f"you may not write in {tmp_path}" in caught.value.message and caught.value.exit == 2


def test_every_command_takes_json_but_the_interactive_ones():
    parser = build_parser()
    (choices,) = [a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)]

    def parser_of(name):
        found = choices[name.split()[0]]
        if " " in name:
            (nested,) = [a.choices for a in found._actions if isinstance(a, argparse._SubParsersAction)]
            found = nested[name.split()[1]]
        return found

    without = {
        name for name in subcommands() if not any(a.dest == "json" for a in parser_of(name)._actions)
    }  # fmt: skip
    assert without == {"tui", "tunnel", "mcp"}  # mcp speaks JSON-RPC on stdout already


def test_a_long_prompt_is_named_once():
    model = ModelInfo(
        name="procedural", backend="procedural", kind="procedural", available=True, defaults={}, limits={}
    )
    limits = load_settings(env={}).limits
    with pytest.raises(Exception) as caught:
        complete_sprite_params(GenerateRequest(prompt="x" * 3000), [model], "", limits)
    assert "the prompt is 3000 characters" in str(caught.value) and "prompt prompt" not in str(caught.value)


def test_a_file_that_cannot_be_written_is_a_message_not_a_traceback(monkeypatch):
    def full_disk(args):
        raise OSError(28, "No space left on device", "/sprites/knight-1.png")

    monkeypatch.setattr(cli, "handler", lambda name: full_disk)
    status, out, err = run_main("status", "--json")
    assert status == 1 and "cannot write /sprites/knight-1.png: No space left on device" in err
    assert json.loads(out)["error"]["code"] == "os_error"


@pytest.mark.parametrize(
    "argv, words",
    [
        (["leaderboard", "--rounds", "5000"], "--rounds: 5000 is too large: give 2000 or less"),
        (["queue", "--limit", "0"], "--limit: 0 is too small: give 1 or more"),
        (["sheet", "JOB", "--out", "s.png", "--columns", "0"], "--columns: 0 is too small"),
        (["status", "--timeout", "-1"], "--timeout: -1 seconds: give a number above 0"),
    ],
)
def test_numbers_out_of_range_are_refused_by_the_parser(argv, words):
    status, _, err = run_main(*argv)
    assert status == 2 and words in err
