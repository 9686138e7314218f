"""The command line at its edges, against a real worker: one job lookup for every command, blind comparisons
numbered from 1, `--out` checked before anything is queued, `queue --watch` into a file."""

import asyncio
import collections
import json
import os
import subprocess
import sys
import time

import pytest

from tests.support.cli import dgx


def _queue(env):
    return json.loads(dgx("queue", "--json", env=env).stdout)["jobs"]


async def test_a_short_prefix_finds_a_finished_job_and_two_matches_are_ambiguous(worker):
    env = worker.cli_env()
    async with worker.client() as client:
        ids = []
        while True:  # 17 ids hold two with the same first character
            job = await client.generate("ruby gem", width=16, height=16)
            ids.append(job.id)
            firsts = collections.Counter(i[0] for i in ids)
            if firsts.most_common(1)[0][1] >= 2:
                break
        for job_id in ids:
            deadline = time.monotonic() + 30
            while not (await client.job(job_id)).state.terminal:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.05)
    shared = firsts.most_common(1)[0][0]
    lone = next(i for i in ids if not any(o != i and o.startswith(i[:2]) for o in ids))
    cancel = dgx("cancel", lone[:2], env=env)
    assert cancel.returncode == 1 and f"job {lone} already completed" in cancel.stderr
    ambiguous = dgx("cancel", shared, "--json", env=env)
    reply = json.loads(ambiguous.stdout)
    assert ambiguous.returncode == 2 and reply["error"]["code"] == "ambiguous_job"
    both = sorted(i for i in ids if i.startswith(shared))
    assert reply["error"]["details"]["matches"] == both[:5]
    assert "is ambiguous" in ambiguous.stderr and f"{both[0]} (completed)" in ambiguous.stderr
    assert dgx("retry", shared, env=env).returncode == 2  # retry resolves the same way
    retried = dgx("retry", lone[:2], "--json", env=env)
    assert retried.returncode == 0 and json.loads(retried.stdout)["retry_of"] == lone


def test_compare_is_blind_and_numbers_panels_from_1_unless_revealed(worker, tmp_path):
    env = worker.cli_env()
    models = ["procedural", "procedural-pico8", "procedural-gameboy"]
    args = ["compare", "blue potion", "--models", ",".join(models), "--seed", "4", "--size", "16x16"]
    blind = dgx(*args, "--out", str(tmp_path / "blind"), env=env)
    assert blind.returncode == 0, blind.stderr
    assert not any(model in blind.stdout + blind.stderr for model in models)
    lines = blind.stdout.splitlines()
    assert [line.split()[:2] for line in lines[1:]] == [["panel", "1"], ["panel", "2"], ["panel", "3"]]
    assert sorted(p.name for p in (tmp_path / "blind").iterdir()) == [
        "blue-potion-4-panel1.png",
        "blue-potion-4-panel2.png",
        "blue-potion-4-panel3.png",
    ]
    as_json = json.loads(dgx(*args, "--out", str(tmp_path / "json"), "--json", env=env).stdout)
    panels = as_json["comparison"]["panels"]
    assert [p["panel"] for p in panels] == [1, 2, 3] and not any("model" in p for p in panels)
    assert sorted(as_json["files"]) == ["1", "2", "3"]
    revealed = dgx(*args, "--reveal", "--out", str(tmp_path / "open"), env=env)
    assert all(model in revealed.stdout for model in models)
    assert sorted(p.name for p in (tmp_path / "open").iterdir()) == sorted(f"blue-potion-4-{m}.png" for m in models)
    voted = json.loads(dgx("vote", lines[0], "3", "--json", env=env).stdout)
    assert voted["vote"]["winner"] == 3 and [p["panel"] for p in voted["comparison"]["panels"]] == [1, 2, 3]
    assert voted["comparison"]["panels"][2]["model"] == voted["vote"]["presets"][2]  # revealed once voted
    exported = json.loads(dgx("votes", "export", "--json", env=env).stdout)
    assert exported["count"] == 1 and exported["votes"][0]["winner"] == 3


@pytest.mark.parametrize("where", ["a file", "under a file", "not writable"])
def test_out_is_checked_before_anything_is_queued(worker, tmp_path, where):
    a_file = tmp_path / "sprites.png"
    a_file.write_bytes(b"not mine to overwrite")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if where == "not writable" and os.geteuid() == 0:
        pytest.skip("root may write anywhere")
    out = {"a file": a_file, "under a file": a_file / "more", "not writable": locked}[where]
    env = worker.cli_env()
    for argv in (
        ["generate", "knight", "--size", "16x16"],
        ["compare", "knight", "--models", "procedural,procedural-pico8", "--size", "16x16"],
        ["demo"],
    ):
        result = dgx(*argv, "--out", str(out), env=env)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert f"--out {out}" in result.stderr and ("choose" in result.stderr or "--out sprites/" in result.stderr)
    assert _queue(env) == []  # nothing was queued, nothing rendered in vain
    assert a_file.read_bytes() == b"not mine to overwrite"


def test_queue_watch_into_a_file_prints_as_it_goes(worker, tmp_path):
    env = worker.cli_env()
    log = tmp_path / "watch.log"
    with log.open("w") as sink:
        watcher = subprocess.Popen(
            [sys.executable, "-m", "dgx_pixels_tui.cli", "queue", "--watch"], env=env, stdout=sink, stderr=sink
        )
    try:
        deadline = time.monotonic() + 20
        while "queue (connected)" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        made = dgx("generate", "green slime", "--size", "16x16", "--out", str(tmp_path), "--json", env=env)
        job_id = json.loads(made.stdout)["jobs"][0]["id"]
        while f"{job_id} completed" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        watcher.terminate()
        watcher.wait(10)
    text = log.read_text()
    assert f"{job_id} queued" in text and f"{job_id} completed 1 image(s)" in text, text
    assert "\x1b[" not in text  # plain lines, no cursor movement
