from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.worker_process import WorkerProcess


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

    def factory(config: str | None = None, env: dict[str, str] | None = None, root: Path | None = None) -> WorkerProcess:
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
