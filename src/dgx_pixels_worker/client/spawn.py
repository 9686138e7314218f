"""Starting a local worker in the background when a client finds nobody home."""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from ..access.addresses import is_loopback
from ..settings.config import Settings


@dataclass(frozen=True)
class SpawnedWorker:
    pid: int | None  # None when the worker is not this spawn's own
    rep: str
    pub: str
    log_path: Path
    started: bool = True  # False: another client started the worker listening there first, and it is used


SPAWN_LOCK = "spawn.lock"
TCP_LISTEN = "0A"  # the state of a listening socket in /proc/net/tcp


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
    """Start a worker at `rep` in the background and wait until it listens. Clients that find no worker at
    the same moment take turns (a lock in the data directory): the first starts one, the others find it
    listening and use it (`started` False). A worker of this spawn that exits because another one holds the
    port is not reported as started either."""
    data_dir = settings.worker.resolved_data_dir()
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # the worker makes an older one private as it starts
    log_path = data_dir / "worker.log"
    pub = pub_for(rep, settings)
    deadline = time.monotonic() + wait_s
    with _spawn_turn(data_dir / SPAWN_LOCK, deadline):
        if listening(rep) and listening(pub):
            return SpawnedWorker(None, rep, pub, log_path, started=False)
        command = [sys.executable, "-m", "dgx_pixels_worker", "--rep", rep, "--pub", pub, "--data-dir", str(data_dir)]
        if config_file is not None:
            command += ["--config", str(config_file)]
        with _private_log(log_path) as log:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            while time.monotonic() < deadline:
                exited = process.poll() is not None
                if listening(rep) and listening(pub):
                    if exited or port_holder(rep, process.pid) is False:
                        return SpawnedWorker(None, rep, pub, log_path, started=False)  # another worker has the port
                    return SpawnedWorker(process.pid, rep, pub, log_path)
                if exited:
                    raise SpawnError(f"the background worker exited at start:\n{_tail(log_path)}")
                time.sleep(0.05)
        finally:
            _reap_when_it_exits(process)  # after the polls above: a waiting thread would keep poll() from seeing
    raise SpawnError(f"the background worker did not open {rep} within {wait_s:g}s; its log:\n{_tail(log_path)}")


def _reap_when_it_exits(process: subprocess.Popen[bytes]) -> None:
    """Wait for the worker in a daemon thread: a long-lived client (the TUI) that outlives the worker it
    started would otherwise keep it as a zombie. A client that exits first leaves the worker to init."""
    threading.Thread(target=process.wait, name=f"reap-worker-{process.pid}", daemon=True).start()


@contextlib.contextmanager
def _spawn_turn(path: Path, deadline: float) -> Iterator[None]:
    """Hold the data directory's spawn lock: one client at a time starts a worker there."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # not inherited by the worker (close_fds)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SpawnError(f"another client is still starting a worker ({path} is locked)") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def listen_rows(address: str) -> list[list[str]]:
    """The rows of /proc/net/tcp and tcp6 (fields split) of the sockets listening at a local tcp:// address;
    none where /proc does not tell (not Linux). Field 7 is the owner's uid, field 9 the socket's inode."""
    port = urlsplit(f"//{address.partition('://')[2]}").port
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[3] == TCP_LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                found.append(fields)
    return found


def port_holder(address: str, pid: int) -> bool | None:
    """Whether process `pid` holds the listening socket of a local tcp:// address; None where /proc cannot
    tell (not Linux, or another user's process)."""
    sockets = {f"socket:[{fields[9]}]" for fields in listen_rows(address)}
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return None
    if not sockets:
        return None
    for fd in fds:
        with contextlib.suppress(OSError):
            if os.readlink(fd) in sockets:
                return True
    return False


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
