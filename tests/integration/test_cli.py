"""The `dgx-pixels` command line against a real worker process."""

import getpass
import json
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

from dgx_pixels_worker.client.spawn import listening
from dgx_pixels_worker.jobs.image_files import read_metadata

from tests.support.cli import dgx
from tests.support.worker_process import free_ports, isolated_env


def test_generate_writes_pngs_and_prints_their_paths(worker, tmp_path):
    out = tmp_path / "sprites"
    result = dgx(
        "generate",
        "gold chest",
        "--seed",
        "3",
        "--count",
        "2",
        "--size",
        "32x32",
        "--out",
        str(out),
        env=worker.cli_env(),
    )
    assert result.returncode == 0, result.stderr
    paths = result.stdout.split()
    assert [p.rsplit("/", 1)[1] for p in paths] == ["gold-chest-3.png", "gold-chest-4.png"]
    for path in paths:
        with Image.open(path) as image:
            assert image.size == (32, 32) and image.mode == "RGBA"
    assert read_metadata(Path(paths[1]).read_bytes())["seed"] == 4
    again = dgx("generate", "gold chest", "--seed", "3", "--size", "32x32", "--out", str(out), env=worker.cli_env())
    assert again.stdout.strip().endswith("gold-chest-3-1.png")  # never overwrites


def test_generate_failure_exits_non_zero_with_the_reason(worker, tmp_path):
    result = dgx("generate", "knight", "--model", "nope", "--out", str(tmp_path), env=worker.cli_env())
    assert result.returncode == 2 and "unknown model 'nope'" in result.stderr  # a bad argument, caught by the worker
    result = dgx("generate", "knight", "--size", "big", env=worker.cli_env())
    assert result.returncode == 2 and "WIDTHxHEIGHT" in result.stderr


def test_json_output_of_queue_status_models_cancel(worker):
    env = worker.cli_env()
    queued = json.loads(dgx("generate", "potion", "--no-wait", "--json", "--size", "32x32", env=env).stdout)
    job_id = queued["jobs"][0]["id"]
    deadline = time.monotonic() + 20
    while True:
        queue = json.loads(dgx("queue", "--json", env=env).stdout)
        job = next(j for j in queue["jobs"] if j["id"] == job_id)
        if job["state"] == "completed" or time.monotonic() > deadline:
            break
    assert job["state"] == "completed" and job["images"] == [f"{job_id}-0"]
    assert job["user"] == getpass.getuser()  # the client introduced itself before its first request
    status = json.loads(dgx("status", "--json", env=env).stdout)
    assert status["queue"]["completed"] >= 1 and status["procedural_only"] is True
    models = json.loads(dgx("models", "--json", env=env).stdout)["models"]
    usable = [m["name"] for m in models if m["available"]]
    assert usable == ["procedural", "procedural-pico8", "procedural-gameboy"]
    assert all(m["kind"] == "comfyui" for m in models if not m["available"])  # the presets, with why (no ComfyUI)
    cancel = dgx("cancel", job_id, env=env)
    assert cancel.returncode == 1 and "already completed" in cancel.stderr


def test_queue_table_and_status_text(worker):
    env = worker.cli_env()
    dgx("generate", "ice potion", "--size", "32x32", "--out", str(worker.root / "o"), env=env)
    table = dgx("queue", env=env)
    assert "completed" in table.stdout and "ice potion" in table.stdout
    status = dgx("status", env=env)
    assert "procedural" in status.stdout and "not AI" in status.stdout


def test_no_worker_and_no_spawn_is_a_clear_error(tmp_path):
    port = free_ports(1)[0]
    env = isolated_env(tmp_path, {"DGX_PIXELS_CONNECT": f"tcp://127.0.0.1:{port}"})
    result = dgx("status", "--no-spawn", env=env)
    assert result.returncode == 3 and "dgx-pixels worker" in result.stderr


def test_spawns_a_local_worker_when_none_answers_and_worker_stop_stops_it(tmp_path):
    rep, pub = free_ports(2)
    config = tmp_path / "c.toml"
    config.write_text(
        f'[worker]\nrep = "tcp://127.0.0.1:{rep}"\npub = "tcp://127.0.0.1:{pub}"\n[procedural]\nstep_delay_s = 0\n'
    )
    env = isolated_env(tmp_path)
    try:
        result = dgx(
            "generate", "dragon", "--config", str(config), "--size", "32x32", "--out", str(tmp_path / "o"), env=env
        )
        assert result.returncode == 0, result.stderr
        assert "started a local worker" in result.stderr and result.stdout.strip().endswith(".png")
        assert (tmp_path / "data-home" / "dgx-pixels" / "worker.log").exists()
        second = dgx("status", "--config", str(config), env=env)
        assert "started a local worker" not in second.stderr  # reuses the running one
    finally:
        stopped = dgx("worker", "stop", "--config", str(config), env=env)
    assert stopped.returncode == 0 and "worker stopped" in stopped.stdout
    assert not listening(f"tcp://127.0.0.1:{rep}")


def test_queue_watch_json_streams_a_snapshot_then_live_events(worker):
    env = worker.cli_env()
    watcher = subprocess.Popen(
        [sys.executable, "-m", "dgx_pixels_tui.cli", "queue", "--watch", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = json.loads(watcher.stdout.readline())
        assert first["snapshot"] == "connected" and first["jobs"] == []
        job_id = json.loads(dgx("generate", "red slime", "--no-wait", "--json", "--size", "16x16", env=env).stdout)[
            "jobs"
        ][0]["id"]
        topics = []
        while "job.completed" not in topics:
            line = json.loads(watcher.stdout.readline())
            if line.get("body", {}).get("job", {}).get("id") == job_id or line.get("body", {}).get("job_id") == job_id:
                topics.append(line["topic"])
        assert topics[0] == "job.queued" and topics[1] == "job.started" and "job.progress" in topics
    finally:
        watcher.terminate()
        watcher.wait(10)
