"""The worker's start-up and teardown in-process, on real loopback sockets: whatever started is stopped,
also when start-up fails halfway."""

import fcntl

import pytest
import zmq

from dgx_pixels_worker.backends.procedural import ProceduralBackend
from dgx_pixels_worker.jobs.lifecycle import JobLifecycle
from dgx_pixels_worker.settings.config import load_settings
from dgx_pixels_worker.worker import Worker

from tests.support.worker_process import free_ports


class ClosingBackend(ProceduralBackend):
    closed = 0

    async def close(self) -> None:
        ClosingBackend.closed += 1
        await super().close()


def _worker(tmp_path) -> Worker:
    rep, pub = free_ports(2)
    overrides = {
        "worker": {
            "rep": f"tcp://127.0.0.1:{rep}",
            "pub": f"tcp://127.0.0.1:{pub}",
            "data_dir": str(tmp_path / "data"),
            "backend": "procedural",
        }
    }
    return Worker(load_settings(env={}, overrides=overrides))


def _can_bind(endpoint: str) -> bool:
    context = zmq.Context()
    sock = context.socket(zmq.ROUTER)
    try:
        sock.bind(endpoint)
        return True
    except zmq.ZMQError:
        return False
    finally:
        sock.close(linger=0)
        context.term()


async def test_a_start_up_that_fails_after_the_backends_started_stops_everything(tmp_path, monkeypatch):
    worker = _worker(tmp_path)
    ClosingBackend.closed = 0
    monkeypatch.setattr(worker, "_backends", lambda: [ClosingBackend(steps=2, step_delay_s=0)])

    def recover_fails(self):
        raise RuntimeError("the database holds a row this version cannot read")

    monkeypatch.setattr(JobLifecycle, "recover", recover_fails)
    with pytest.raises(RuntimeError, match="cannot read"):
        await worker.run()
    assert ClosingBackend.closed == 1  # the backend that had started was closed
    assert _can_bind(worker.settings.worker.rep) and _can_bind(worker.settings.worker.pub)  # sockets closed
    with open(tmp_path / "data" / "worker.lock", "a+") as lock:  # the data directory is free again
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)


async def test_a_worker_that_was_asked_to_stop_closes_its_backends_and_sockets(tmp_path, monkeypatch):
    worker = _worker(tmp_path)
    ClosingBackend.closed = 0
    monkeypatch.setattr(worker, "_backends", lambda: [ClosingBackend(steps=2, step_delay_s=0)])
    worker.request_stop("test")  # stops as soon as it is up
    await worker.run()
    assert ClosingBackend.closed == 1
    assert _can_bind(worker.settings.worker.rep) and _can_bind(worker.settings.worker.pub)
