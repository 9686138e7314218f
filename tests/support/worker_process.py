"""Running the real worker as a child process on free loopback ports, with its own data and config dirs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import zmq
import zmq.auth

from dgx_pixels_worker.access.grants import GrantsFile
from dgx_pixels_worker.client import AsyncClient

FAST_CONFIG = """
[worker]
heartbeat_s = 0.2
shutdown_grace_s = 5.0
progress_interval_s = 0.0
preview_interval_s = 0.0
[procedural]
step_delay_s = 0.0
"""


def paced_config(step_delay_s: float) -> str:
    """FAST_CONFIG with the procedural backend pausing between steps, so a job can be seen running."""
    return FAST_CONFIG.replace("step_delay_s = 0.0", f"step_delay_s = {step_delay_s}")


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def isolated_env(root: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DGX_PIXELS_")}
    env.update(XDG_CONFIG_HOME=str(root / "config-home"), XDG_DATA_HOME=str(root / "data-home"), PYTHONUNBUFFERED="1")
    env.update(extra or {})
    return env


def laptop_env(gpu_box: WorkerProcess, root: Path) -> dict[str, str]:
    """The environment of a laptop that reaches `gpu_box` by `ssh` (tests/support/fake_ssh.py stands in for it):
    on the "remote" side, commands run with the GPU box's own environment and addresses."""
    remote_env = dict(gpu_box.env, DGX_PIXELS_WORKER__REP=gpu_box.rep, DGX_PIXELS_WORKER__PUB=gpu_box.pub)
    (root / "remote-env.json").write_text(json.dumps(remote_env))
    fake_ssh = Path(__file__).parent / "fake_ssh.py"
    extra = {"DGX_PIXELS_SSH": f"{sys.executable} {fake_ssh}", "FAKE_SSH_REMOTE_ENV": str(root / "remote-env.json")}
    return isolated_env(root / "laptop", extra)


class WorkerProcess:
    def __init__(self, root: Path, config: str = FAST_CONFIG, env: dict[str, str] | None = None):
        self.root = root
        rep_port, pub_port = free_ports(2)
        self.rep = f"tcp://127.0.0.1:{rep_port}"
        self.pub = f"tcp://127.0.0.1:{pub_port}"
        self.data_dir = root / "data"
        root.mkdir(parents=True, exist_ok=True)
        self.config_path = root / "worker.toml"
        self.config_path.write_text(config)
        self.env = isolated_env(root, env)
        self.log_path = root / "worker.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "dgx_pixels_worker",
            "--rep",
            self.rep,
            "--pub",
            self.pub,
            "--data-dir",
            str(self.data_dir),
            "--config",
            str(self.config_path),
        ]

    def start(self, timeout: float = 20.0) -> WorkerProcess:
        log = self.log_path.open("ab")
        offset = log.tell()  # on a restart, only what the new process writes counts
        self.process = subprocess.Popen(self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited with {self.process.returncode}:\n{self.log()}")
            if "worker ready" in self.log()[offset:]:
                return self
            time.sleep(0.05)
        raise RuntimeError(f"worker did not become ready:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self, timeout: float = 20.0) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    @property
    def keys_dir(self) -> Path:
        """Where the worker keeps its keys and its owner's client key (the isolated config home)."""
        return self.root / "config-home" / "dgx-pixels" / "keys"

    def owner_socket(self, context: zmq.Context[zmq.Socket[bytes]], kind: int) -> zmq.Socket[bytes]:
        """A raw socket holding the owner's keys, for tests that speak the wire protocol by hand."""
        sock = context.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        public, secret = zmq.auth.load_certificate(self.keys_dir / "client.key_secret")
        sock.curve_publickey, sock.curve_secretkey = public, secret
        sock.curve_serverkey = zmq.auth.load_certificate(self.keys_dir / "worker.key")[0]
        return sock

    def grant(self, name: str, admin: bool = False) -> Path:
        """A teammate's keys folder: their own key pair, granted by the owner, and the worker's public key."""
        keys = self.root / f"{name}-keys"
        keys.mkdir(exist_ok=True)
        public, _ = zmq.auth.create_certificates(keys, "client")
        shutil.copy(self.keys_dir / "worker.key", keys / "worker.key")
        GrantsFile(self.keys_dir).grant(name, Path(public).read_text(), admin=admin)
        return keys

    def client_as(self, person: str, **kwargs: object) -> AsyncClient:
        """A client of a granted teammate (granted on first use)."""
        keys = self.root / f"{person}-keys"
        kwargs.setdefault("keys_dir", keys if keys.exists() else self.grant(person))
        return self.client(**kwargs)

    def client(self, **kwargs: object) -> AsyncClient:
        """A client of the worker's owner: the key pair the worker lets in without a grant."""
        kwargs.setdefault("name", "tests")
        kwargs.setdefault("keys_dir", self.keys_dir)
        return AsyncClient(self.rep, timeout=10.0, **kwargs)  # type: ignore[arg-type]

    def cli_env(self) -> dict[str, str]:
        env = dict(self.env)
        env["DGX_PIXELS_CONNECT"] = self.rep
        return env
