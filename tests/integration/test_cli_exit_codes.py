"""Every row of the README's exit-status table, from the shell against a real worker: whoever catches a bad
argument (the command or the worker), it exits 2; a refusal of how things stand or a failed job, 1; no
worker, or one that does not let this key in, 3. With --json the error is one JSON object on stdout too."""

import json
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.support.cli import dgx
from tests.support.worker_process import WorkerProcess, free_ports, paced_config


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """One worker for the whole table, with a finished job and a finished three-panel comparison."""
    root = tmp_path_factory.mktemp("exit-codes")
    worker = WorkerProcess(root, paced_config(0.02)).start()  # a 64-image job runs for seconds
    try:
        env = worker.cli_env()
        made = dgx("generate", "ruby gem", "--size", "16x16", "--out", str(root / "out"), "--json", env=env)
        job = json.loads(made.stdout)["jobs"][0]["id"]
        compared = dgx(
            "compare", "fire sword", "--models", "procedural,procedural-pico8,procedural-gameboy",
            "--size", "16x16", "--out", str(root / "cmp"), "--json", env=env,
        )  # fmt: skip
        comparison = json.loads(compared.stdout)["comparison"]["id"]
        yield {"worker": worker, "env": env, "job": job, "comparison": comparison, "root": root}
    finally:
        worker.terminate()


GEN = ["generate", "knight", "--size", "16x16"]
CMP = ["compare", "knight", "--models", "procedural,procedural-pico8"]

ROWS = [
    # 0: done
    ("ok", ["status"], 0, None, ""),
    # 2: a bad argument the command catches, before asking the worker
    ("size 0x0", ["generate", "knight", "--size", "0x0"], 2, "invalid", "--size 0x0"),
    ("count 0", [*GEN, "--count", "0"], 2, "invalid", "--count 0: must be at least 1"),
    ("count -1", [*GEN, "--count", "-1"], 2, "invalid", "--count -1"),
    ("steps 0", [*GEN, "--steps", "0"], 2, "invalid", "--steps 0"),
    ("cfg -5", [*GEN, "--cfg", "-5"], 2, "invalid", "--cfg -5"),
    ("seed -3", [*GEN, "--seed", "-3"], 2, "invalid", "--seed -3"),
    ("priority 500", [*GEN, "--priority", "500"], 2, "invalid", "--priority 500: must be at most 100"),
    ("empty prompt", ["generate", "  "], 2, "invalid", "the prompt is empty"),
    ("compare steps 0", [*CMP, "--steps", "0"], 2, "invalid", "--steps 0"),
    ("compare seed -3", [*CMP, "--seed", "-3"], 2, "invalid", "--seed -3"),
    ("compare size 0x0", [*CMP, "--size", "0x0"], 2, "invalid", "--size 0x0"),
    ("compare one model", ["compare", "knight", "--models", "procedural"], 2, "invalid", "2 to 4 presets"),
    ("not a number", [*GEN, "--count", "many"], 2, "usage", "invalid int value"),
    ("vote panel 5 of 3", ["vote", "{comparison}", "5"], 2, "invalid", "panel 5: this comparison has 3 panels (1-3)"),
    # 2: a bad argument the worker catches
    ("unknown model", [*GEN, "--model", "nope"], 2, "unknown_model", "unknown model 'nope'"),
    ("huge size", ["generate", "knight", "--size", "100000x100000"], 2, "invalid", "outside 16..128"),
    ("count 1000", [*GEN, "--count", "1000"], 2, "invalid", "count 1000 is more than"),
    ("unknown job", ["cancel", "nosuchjob"], 2, "unknown_job", "no job 'nosuchjob'"),
    ("unknown comparison", ["vote", "nosuchcomparison", "1"], 2, "unknown_comparison", "no comparison"),
    ("unknown image", ["sheet", "nosuchthing", "--out", "{root}/sheet.png"], 2, "unknown_image", "no image"),
    # 1: the worker refuses because of how things stand
    ("cancel a finished job", ["cancel", "{job}"], 1, "job_finished", "already completed"),
    # 3: no worker
    ("no worker", ["status", "--no-spawn", "--connect", "tcp://127.0.0.1:{free}"], 3, "timeout", "no worker answers"),
]


@pytest.mark.parametrize("argv, status, code, words", [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_each_exit_status_of_the_readme(shared, argv, status, code, words):
    fill = {"comparison": shared["comparison"], "job": shared["job"], "root": shared["root"], "free": free_ports(1)[0]}
    argv = [part.format(**fill) for part in argv]
    text = dgx(*argv, env=shared["env"])
    assert text.returncode == status, text.stderr
    assert words in text.stderr and "Traceback" not in text.stderr
    as_json = dgx(*argv, "--json", env=shared["env"])
    assert as_json.returncode == status and "Traceback" not in as_json.stderr
    reply = json.loads(as_json.stdout)
    if status == 0:
        assert "error" not in reply
    else:
        assert reply["exit"] == status and reply["error"]["code"] == code and words in reply["error"]["message"]


def test_a_key_the_worker_does_not_know_exits_3(shared, tmp_path):
    """access_denied: a client whose key was never granted (its own config home, the worker's public key)."""
    worker: WorkerProcess = shared["worker"]
    env = {
        **shared["env"],
        "XDG_CONFIG_HOME": str(tmp_path / "stranger"),
        "DGX_PIXELS_CLIENT__WORKER_KEY": str(worker.keys_dir / "worker.key"),
    }
    result = dgx("status", "--no-spawn", "--timeout", "5", "--json", env=env)
    assert result.returncode == 3, result.stderr
    reply = json.loads(result.stdout)
    assert reply["exit"] == 3 and reply["error"]["code"] == "access_denied"
    assert "access grant" in reply["error"]["message"]


def test_a_job_that_does_not_complete_exits_1_and_says_so_in_json(shared, tmp_path):
    """`generate` waits for its job; cancelled from another shell meanwhile, it ends with 1 and the reason."""
    env = shared["env"]
    waiting = subprocess.Popen(
        [sys.executable, "-m", "dgx_pixels_tui.cli", *GEN, "--count", "64", "--out", str(tmp_path), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            jobs = json.loads(dgx("queue", "--json", env=env).stdout)["jobs"]
            mine = [j["id"] for j in jobs if j["count"] == 64 and j["state"] not in ("completed", "cancelled")]
            if mine:
                break
            time.sleep(0.1)
        assert dgx("cancel", mine[0], env=env).returncode == 0
        out, err = waiting.communicate(timeout=30)
    finally:
        if waiting.poll() is None:
            waiting.kill()
            waiting.wait(10)
    assert waiting.returncode == 1 and f"job {mine[0]} was cancelled" in err
    reply = json.loads(out)
    assert reply["exit"] == 1 and reply["error"]["code"] == "job_failed" and reply["error"]["details"]["jobs"] == mine


def test_a_second_vote_is_refused_with_1_as_how_things_stand(shared):
    env = shared["env"]
    first = dgx("vote", shared["comparison"], "tie", env=env)
    assert first.returncode == 0, first.stderr
    assert dgx("vote", shared["comparison"], "tie", env=env).returncode == 0  # the same vote again: acknowledged
    again = dgx("vote", shared["comparison"], "1", "--json", env=env)
    assert again.returncode == 1 and "voted on comparison" in again.stderr
    assert json.loads(again.stdout)["exit"] == 1
