"""Starting a local worker in the background when a client finds nobody home."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from ..serving.security import is_loopback
from ..settings.config import Settings


@dataclass(frozen=True)
class SpawnedWorker:
    pid: int
    rep: str
    pub: str
    log_path: Path


class SpawnError(Exception):
    """The background worker did not come up; the message carries the end of its log."""


def listening(address: str) -> bool:
    """Whether something accepts connections at a tcp:// or ipc:// address (a fast check, no protocol)."""
    scheme, _, rest = address.partition("://")
    if scheme == "ipc":
        return Path(rest).exists()
    if scheme != "tcp":
        return True
    parts = urlsplit(f"//{rest}")
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=0.5):
            return True
    except OSError:
        return False


def can_spawn(address: str) -> bool:
    return address.startswith("tcp://") and is_loopback(address)


def pub_for(rep: str, settings: Settings) -> str:
    """The configured event endpoint when commands use the configured port, else the next port up."""
    if urlsplit(f"//{rep[6:]}").port == urlsplit(f"//{settings.worker.rep[6:]}").port:
        return settings.worker.pub
    parts = urlsplit(f"//{rep[6:]}")
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    return f"tcp://{host}:{(parts.port or 0) + 1}"


def spawn_worker(rep: str, settings: Settings, config_file: Path | None, wait_s: float = 20.0) -> SpawnedWorker:
    data_dir = settings.worker.resolved_data_dir()
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # the worker makes an older one private as it starts
    log_path = data_dir / "worker.log"
    pub = pub_for(rep, settings)
    command = [sys.executable, "-m", "dgx_pixels_worker", "--rep", rep, "--pub", pub, "--data-dir", str(data_dir)]
    if config_file is not None:
        command += ["--config", str(config_file)]
    with _private_log(log_path) as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SpawnError(f"the background worker exited at start:\n{_tail(log_path)}")
        if listening(rep) and listening(pub):
            return SpawnedWorker(process.pid, rep, pub, log_path)
        time.sleep(0.05)
    raise SpawnError(f"the background worker did not open {rep} within {wait_s:g}s; its log:\n{_tail(log_path)}")


def _private_log(path: Path) -> BinaryIO:
    """The worker's log, opened for appending, readable by its owner alone (also one an older version made)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with contextlib.suppress(OSError):  # someone else's file: the worker says so if it cannot write there
        os.fchmod(fd, 0o600)
    return os.fdopen(fd, "ab")


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
