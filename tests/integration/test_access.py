"""Private by default, shared on purpose: who the worker lets in, who it says asked, and what each may do."""

from __future__ import annotations

import asyncio
import getpass
import json
import shutil
import subprocess

import pytest
import zmq.auth

from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.protocol import ErrorCode, WorkerError

from tests.support import second_user
from tests.support.cli import dgx
from tests.support.worker_process import FAST_CONFIG, WorkerProcess, free_ports, laptop_env, paced_config

OWNER = getpass.getuser()


def teammate_keys(worker: WorkerProcess, tmp_path, name: str = "bob"):
    """A teammate's keys folder: their own client pair, and the worker's public key they were given."""
    keys = tmp_path / f"{name}-keys"
    keys.mkdir()
    zmq.auth.create_certificates(keys, "client")
    shutil.copy(worker.keys_dir / "worker.key", keys / "worker.key")
    return keys


def grant(worker: WorkerProcess, name: str, keyfile, *extra: str):
    return dgx("access", "grant", name, str(keyfile), *extra, "--config", str(worker.config_path), env=worker.env)


async def test_the_owner_is_let_in_and_named_from_the_key_not_from_hello(tmp_path):
    worker = WorkerProcess(tmp_path).start()
    try:
        async with worker.client(user="mallory") as client:
            hello = await client.hello()
            assert (hello.user, hello.admin) == (OWNER, True)
            job = await client.generate("knight", width=32, height=32)
            assert (job.user, job.client) == (OWNER, "tests")
    finally:
        worker.terminate()


async def test_a_key_never_granted_is_refused_at_once_with_the_fix(tmp_path):
    worker = WorkerProcess(tmp_path).start()
    try:
        stranger = AsyncClient(worker.rep, keys_dir=teammate_keys(worker, tmp_path), timeout=8)
        async with stranger:
            with pytest.raises(WorkerError) as caught:
                await stranger.ping()
        assert caught.value.code == ErrorCode.ACCESS_DENIED
        assert "access grant" in caught.value.message and "client.key" in caught.value.message
        async with AsyncClient(worker.rep, secure=False, timeout=1.5) as plain:  # no CurveZMQ at all
            with pytest.raises(WorkerError):
                await plain.ping()
    finally:
        worker.terminate()


async def test_grant_list_revoke_and_what_a_member_may_do(tmp_path):
    worker = WorkerProcess(tmp_path, config=paced_config(0.2)).start()
    try:
        bob_keys = teammate_keys(worker, tmp_path)
        made = grant(worker, "bob", bob_keys / "client.key")
        assert made.returncode == 0, made.stderr
        assert "granted bob" in made.stdout and "worker_key" in made.stdout
        listed = dgx("access", "list", "--json", "--config", str(worker.config_path), env=worker.env)
        assert [(r["name"], r["admin"]) for r in json.loads(listed.stdout)] == [
            (OWNER, True),
            ("bob", False),
        ]
        async with worker.client() as owner, AsyncClient(worker.rep, keys_dir=bob_keys, timeout=10) as bob:
            assert (await bob.hello()).user == "bob"
            owners_job = await owner.generate("castle", width=32, height=32, count=8)
            bobs_job = await bob.generate("slime", width=32, height=32, count=8)
            assert bobs_job.user == "bob"
            for attempt in (bob.cancel(owners_job.id), bob.set_priority(owners_job.id, 50), bob.shutdown()):
                with pytest.raises(WorkerError) as caught:
                    await attempt
                assert caught.value.code == ErrorCode.FORBIDDEN
                assert OWNER in caught.value.message  # the refusal names who may
            assert (await bob.set_priority(bobs_job.id, 10)).priority == 10  # one's own job
            assert (await owner.cancel(bobs_job.id)).id == bobs_job.id  # an admin may touch anyone's

            revoked = dgx("access", "revoke", "bob", "--config", str(worker.config_path), env=worker.env)
            assert revoked.returncode == 0, revoked.stderr
            await asyncio.sleep(1.2)  # the worker re-reads the grants at most once a second
            with pytest.raises(WorkerError) as caught:
                await bob.ping()
            assert caught.value.code == ErrorCode.ACCESS_DENIED
            assert (await owner.ping()).time > 0
    finally:
        worker.terminate()


async def test_one_vote_per_person_whatever_names_the_requests_carry(tmp_path):
    worker = WorkerProcess(tmp_path).start()
    try:
        bob_keys = teammate_keys(worker, tmp_path)
        assert grant(worker, "bob", bob_keys / "client.key").returncode == 0
        async with worker.client() as owner, AsyncClient(worker.rep, keys_dir=bob_keys, timeout=10) as bob:
            comparison = await owner.compare("knight", ["procedural", "procedural-pico8"], width=32, height=32)
            while not comparison.state.terminal:
                await asyncio.sleep(0.1)
                comparison = await owner.comparison(comparison.id)
            await bob.request("vote", {"comparison_id": comparison.id, "outcome": "tie", "user": "name-1"})
            refused = 0
            for n in range(2, 6):
                try:
                    await bob.request("vote", {"comparison_id": comparison.id, "outcome": "skip", "user": f"name-{n}"})
                except WorkerError:
                    refused += 1
            assert refused == 4
            votes = (await owner.votes()).votes
            assert [v.user for v in votes] == ["bob"]
    finally:
        worker.terminate()


async def test_the_user_on_a_job_survives_a_worker_restart(tmp_path):
    worker = WorkerProcess(tmp_path).start()
    try:
        async with worker.client() as client:
            await client.ping()
            worker.terminate()
            worker.start()
            job = await client.generate("knight after restart", width=32, height=32)
            assert (job.user, job.client) == (OWNER, "tests")
    finally:
        worker.terminate()


def test_a_wide_bind_with_security_off_is_refused(tmp_path):
    worker = WorkerProcess(tmp_path, config=FAST_CONFIG + '\n[security]\ncurve = "off"\n')
    command = worker.command
    command[command.index("--rep") + 1] = f"tcp://0.0.0.0:{free_ports(1)[0]}"
    result = subprocess.run(command, env=worker.env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert 'curve = "off"' in result.stderr and "loopback" in result.stderr


async def test_security_off_on_loopback_lets_anyone_in_as_the_owner(tmp_path):
    worker = WorkerProcess(tmp_path, config=FAST_CONFIG + '\n[security]\ncurve = "off"\n').start()
    try:
        async with AsyncClient(worker.rep, secure=False, timeout=10) as plain:
            assert (await plain.hello()).user == OWNER
    finally:
        worker.terminate()


SECOND_USER_CLIENT = """
import asyncio, sys
from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.protocol import WorkerError

async def main():
    async with AsyncClient(sys.argv[1], timeout=3) as client:
        try:
            await client.generate("not yours", width=32, height=32)
        except WorkerError as exc:
            print(f"{exc.code}: {exc.message}")
            return
        print("QUEUED")

asyncio.run(main())
"""


async def test_another_unix_user_gets_a_clear_refusal_not_the_owners_queue(tmp_path):
    python = second_user.interpreter()
    if python is None:
        pytest.skip("needs root, to run a client as the unprivileged user nobody with a Python it may execute")
    worker = WorkerProcess(tmp_path).start()
    try:
        home = second_user.home()
        done = second_user.run_as_nobody(python, ["-c", SECOND_USER_CLIENT, worker.rep], home, {})
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("access_denied:"), done.stdout
        assert f"{OWNER}'s worker, not yours" in done.stdout
        stop = second_user.run_as_nobody(
            python, ["-m", "dgx_pixels_tui.cli", "worker", "stop", "--connect", worker.rep], home, {}
        )
        assert stop.returncode == 3 and "not yours" in stop.stderr, stop.stderr
        async with worker.client() as owner:
            assert (await owner.jobs()).jobs == []  # nothing of the stranger's reached the queue
            assert (await owner.ping()).time > 0  # and the worker still runs
    finally:
        worker.terminate()
        shutil.rmtree(home, ignore_errors=True)


def test_tunnel_reaches_your_own_remote_worker_in_one_step(tmp_path):
    gpu_box = WorkerProcess(tmp_path / "gpu-box").start()
    try:
        laptop = laptop_env(gpu_box, tmp_path)
        out = tmp_path / "sprites"
        done = dgx(
            "tunnel",
            "me@gpu-box",
            "generate",
            "knight",
            "--size",
            "32x32",
            "--out",
            str(out),
            "--json",
            env=laptop,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "made your key pair" in done.stderr and "through me@gpu-box" in done.stderr
        job = json.loads(done.stdout)["jobs"][0]
        assert job["user"] == OWNER and job["state"] == "completed"  # the laptop is another device of the owner
        assert len(list(out.glob("*.png"))) == 1
        listed = dgx("access", "list", "--json", env=json.loads((tmp_path / "remote-env.json").read_text()))
        assert [r["name"] for r in json.loads(listed.stdout)] == [OWNER, OWNER]
    finally:
        gpu_box.terminate()
