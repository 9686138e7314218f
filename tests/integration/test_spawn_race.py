"""Several commands finding no worker at once start one between them, and only the one that started it says so."""

import json
import os
import re
import socket
import stat
import subprocess
import sys

import pytest

from dgx_pixels_worker.client.spawn import listening, port_holder

from tests.support.cli import dgx
from tests.support.worker_process import free_ports, isolated_env

RACERS = 3


@pytest.mark.parametrize("data_dirs", ["shared", "one each"])
def test_three_commands_racing_to_start_a_worker_start_one_and_say_so_once(tmp_path, data_dirs):
    """With one data directory the commands take turns; with one each, the workers race for the port and the
    losers' commands use the winner."""
    rep, pub = free_ports(2)
    config = tmp_path / "c.toml"
    config.write_text(
        f'[worker]\nrep = "tcp://127.0.0.1:{rep}"\npub = "tcp://127.0.0.1:{pub}"\n[procedural]\nstep_delay_s = 0\n'
    )
    envs = [
        isolated_env(tmp_path, {"DGX_PIXELS_DATA_DIR": str(tmp_path / f"data-{n}")} if data_dirs == "one each" else {})
        for n in range(RACERS)
    ]
    old_umask = os.umask(0o022)  # the spawned worker's files must not follow it
    try:
        racers = [
            subprocess.Popen(
                [sys.executable, "-m", "dgx_pixels_tui.cli", "status", "--json", "--config", str(config)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for env in envs
        ]
        results = [(racer.wait(60), *racer.communicate()) for racer in racers]
    finally:
        os.umask(old_umask)
    try:
        assert [code for code, _, _ in results] == [0] * RACERS, [err for _, _, err in results]
        started = [err for _, _, err in results if "started a local worker" in err]
        assert len(started) == 1, [err for _, _, err in results]
        assert all(err == "" for _, _, err in results if err not in started)  # the others used it quietly
        pids = {json.loads(out)["pid"] for _, out, _ in results}
        assert pids == {int(re.search(r"pid (\d+)", started[0])[1])}  # the one that said so started the one running
        if data_dirs == "shared":
            data_dir = tmp_path / "data-home" / "dgx-pixels"
            assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
            assert stat.S_IMODE((data_dir / "worker.log").stat().st_mode) == 0o600
    finally:
        stopped = dgx("worker", "stop", "--config", str(config), env=envs[0])
    assert stopped.returncode == 0, stopped.stderr
    assert not listening(f"tcp://127.0.0.1:{rep}")


def test_port_holder_tells_which_process_listens():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
        assert port_holder(address, os.getpid()) is True
        assert port_holder(address, other.pid) is False
    finally:
        other.kill()
        other.wait(10)
        listener.close()
