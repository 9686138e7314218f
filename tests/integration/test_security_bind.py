"""Loopback by default; anything wider needs CurveZMQ keys, and only authorised clients get through."""

import subprocess

import pytest
import zmq.auth

from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.serving.security import create_keys

from tests.support.worker_process import WorkerProcess, free_ports


def test_non_loopback_bind_without_keys_is_refused(tmp_path):
    worker = WorkerProcess(tmp_path)
    port = free_ports(1)[0]
    command = worker.command
    command[command.index("--rep") + 1] = f"tcp://0.0.0.0:{port}"
    result = subprocess.run(command, env=worker.env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "refusing to bind tcp://0.0.0.0" in result.stderr and "dgx-pixels keys" in result.stderr


async def test_curve_admits_authorised_clients_only(tmp_path):
    keys = tmp_path / "keys"
    create_keys(keys)
    config = f'[security]\ncurve = "on"\nkeys_dir = "{keys}"\n'
    worker = WorkerProcess(tmp_path, config=config).start()
    try:
        async with worker.client(keys_dir=keys, curve="on") as trusted:
            assert (await trusted.ping()).time > 0
        stranger_keys = tmp_path / "stranger"
        stranger_keys.mkdir()
        zmq.auth.create_certificates(stranger_keys, "client")
        (stranger_keys / "worker.key").write_bytes((keys / "worker.key").read_bytes())
        async with worker.client(keys_dir=stranger_keys, curve="on") as stranger:
            with pytest.raises(WorkerError) as caught:
                await stranger.ping(timeout=1.5)
            assert caught.value.code == ErrorCode.TIMEOUT
        async with worker.client() as plain:  # no encryption at all
            with pytest.raises(WorkerError):
                await plain.ping(timeout=1.5)
    finally:
        worker.kill()
