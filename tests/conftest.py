from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.worker_process import WorkerProcess


@pytest.fixture(autouse=True, scope="session")
def private_homes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads or writes the real user's configuration, keys or data."""
    root = tmp_path_factory.mktemp("homes")
    saved = {name: os.environ.get(name) for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME")}
    os.environ.update(XDG_CONFIG_HOME=str(root / "config"), XDG_DATA_HOME=str(root / "data"))
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[WorkerProcess]:
    """A real worker process with the procedural backend running flat out."""
    process = WorkerProcess(tmp_path).start()
    yield process
    if process.process and process.process.poll() is None:
        process.kill()


@pytest.fixture
def make_worker(tmp_path: Path) -> Iterator[object]:
    """A factory for workers with custom configuration; every one started is killed afterwards."""
    started: list[WorkerProcess] = []

    def factory(
        config: str | None = None, env: dict[str, str] | None = None, root: Path | None = None
    ) -> WorkerProcess:
        kwargs = {"env": env}
        if config is not None:
            kwargs["config"] = config
        process = WorkerProcess(root or tmp_path, **kwargs)  # type: ignore[arg-type]
        started.append(process)
        return process

    yield factory
    for process in started:
        if process.process and process.process.poll() is None:
            process.kill()


def _live_children() -> list[tuple[int, str]]:
    """Processes this test session started that are still running (zombies, already dead, excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z":
            found.append((int(entry.name), command))
    return found


@pytest.fixture(autouse=True)
def no_process_left_behind() -> Iterator[None]:
    """A test that starts a worker or a ComfyUI double must stop it: one left running slows every later test
    and every benchmark on the machine."""
    before = {pid for pid, _ in _live_children()}
    yield
    left = [(pid, command) for pid, command in _live_children() if pid not in before]
    for pid, _ in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"the test left processes running (now killed): {left}"
