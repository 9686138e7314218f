"""Events through SSH forwards on other local ports, across address families, and when they do not arrive at all.

The "remote" worker listens on 127.0.0.2, so a client on 127.0.0.1 reaches it only through the forward (as from a
laptop): a port the worker announces is not open on the client's side."""

import contextlib
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.widgets import Static

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_worker.client import AsyncClient, Event, Stalled
from dgx_pixels_worker.client.spawn import listening
from dgx_pixels_worker.protocol import messages as m

from tests.support.cli import dgx
from tests.support.pilot import SIZE, until
from tests.support.streams import collect_until_terminal
from tests.support.worker_process import free_ports

FAKE_SSH = Path(__file__).parents[1] / "support" / "fake_ssh.py"
REMOTE = "127.0.0.2"
ADVICE = "--events ADDR"


def free_pair(host="127.0.0.1"):
    """Two free neighbouring ports N, N+1 on `host`."""
    for _ in range(200):
        first = random.randrange(20000, 60000)
        sockets = [socket.socket() for _ in range(2)]
        try:
            for offset, s in enumerate(sockets):
                s.bind((host, first + offset))
            return first
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no two neighbouring free ports")


@pytest.fixture
def remote_worker(make_worker):
    """A worker on 127.0.0.2, its command and events ports side by side."""
    worker = make_worker()
    port = free_pair(REMOTE)
    worker.rep, worker.pub = f"tcp://{REMOTE}:{port}", f"tcp://{REMOTE}:{port + 1}"
    return worker.start()


@contextlib.contextmanager
def forward(*pairs):
    """`ssh -N -L LOCAL:127.0.0.2:REMOTE ...` over real TCP; yields once the first local port listens."""
    specs = [arg for local, remote in pairs for arg in ("-L", f"{local}:{REMOTE}:{remote}")]
    process = subprocess.Popen([sys.executable, str(FAKE_SSH), "-N", *specs, "gpu-box"])
    try:
        deadline = time.monotonic() + 10
        while not listening(f"tcp://127.0.0.1:{pairs[0][0]}"):
            assert time.monotonic() < deadline and process.poll() is None, "the forward did not open"
            time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(10)


def port_of(address):
    return int(address.rsplit(":", 1)[1])


def tunnel_pairs(worker):
    """Both worker ports forwarded from other local port numbers, kept side by side as `ssh -L` users do."""
    local = free_pair()
    return local, [(local, port_of(worker.rep)), (local + 1, port_of(worker.pub))]


def generate_through(worker, connect, tmp_path, *extra, env=None):
    out = tmp_path / "sprites"
    started = time.monotonic()
    done = dgx(
        "generate",
        "red gem",
        "--size",
        "16x16",
        "--out",
        str(out),
        "--connect",
        connect,
        "--no-spawn",
        *extra,
        env={**worker.cli_env(), **(env or {})},
        timeout=90,
    )
    return done, sorted(out.glob("*.png")), time.monotonic() - started


def test_generate_through_a_tunnel_on_other_local_ports_takes_the_events_port_beside_the_command_port(
    remote_worker, tmp_path
):
    local, pairs = tunnel_pairs(remote_worker)
    with forward(*pairs):
        done, files, _ = generate_through(remote_worker, f"tcp://127.0.0.1:{local}", tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(files) == 1
    assert ADVICE not in done.stderr and "no word from the worker" not in done.stderr


def test_the_events_address_named_in_the_environment_is_used(remote_worker, tmp_path):
    commands, events = free_ports(2)  # not side by side: only the named address can find the events
    pairs = [(commands, port_of(remote_worker.rep)), (events, port_of(remote_worker.pub))]
    with forward(*pairs):
        done, files, _ = generate_through(
            remote_worker,
            f"tcp://127.0.0.1:{commands}",
            tmp_path,
            env={"DGX_PIXELS_EVENTS": f"tcp://127.0.0.1:{events}"},
        )
    assert done.returncode == 0, done.stderr
    assert len(files) == 1 and ADVICE not in done.stderr


def test_generate_finishes_by_asking_when_no_events_arrive_and_says_how_to_fix_it(remote_worker, tmp_path):
    local = free_ports(1)[0]
    (closed,) = free_ports(1)  # nothing listens there
    with forward((local, port_of(remote_worker.rep))):  # the command port alone, as a hasty `ssh -L` does
        done, files, took = generate_through(
            remote_worker, f"tcp://127.0.0.1:{local}", tmp_path, "--events", f"tcp://127.0.0.1:{closed}"
        )
    assert done.returncode == 0, done.stderr
    assert len(files) == 1
    assert ADVICE in done.stderr and f"tcp://127.0.0.1:{closed}" in done.stderr
    assert "no word from the worker" not in done.stderr
    assert took < 30


async def test_the_tui_through_a_tunnel_on_other_local_ports_sees_the_job_complete(remote_worker):
    local, pairs = tunnel_pairs(remote_worker)
    with forward(*pairs):
        client = AsyncClient(f"tcp://127.0.0.1:{local}", keys_dir=remote_worker.keys_dir, name="tui")
        app = PixelsApp(client)
        async with app.run_test(size=SIZE) as pilot, remote_worker.client() as other:
            await joined(pilot, app, other)
            job = await other.generate("gold chest", width=16, height=16)
            await until(pilot, lambda: _state(app, job.id) is m.JobState.COMPLETED, what="the job to complete")
            assert ADVICE not in app.connection_line[1] and app.connection_line[0] == "connected"


async def test_the_tui_follows_the_queue_by_asking_when_no_events_arrive(remote_worker):
    local = free_ports(1)[0]
    (closed,) = free_ports(1)
    with forward((local, port_of(remote_worker.rep))):
        client = AsyncClient(
            f"tcp://127.0.0.1:{local}", events=f"tcp://127.0.0.1:{closed}", keys_dir=remote_worker.keys_dir
        )
        app = PixelsApp(client)
        async with app.run_test(size=SIZE) as pilot, remote_worker.client() as other:
            await joined(pilot, app, other)
            await until(pilot, lambda: ADVICE in app.connection_line[1], what="the advice")
            assert app.connection_line[0] == "connected"  # the worker answers: not a lost connection
            job = await other.generate("gold chest", width=16, height=16)
            await until(pilot, lambda: _state(app, job.id) is m.JobState.COMPLETED, what="the job to complete")
            await pilot.press(*"red gem", "enter")  # one of its own, on the Generate screen
            live = app.screen.query_one("#live-status", Static)
            await until(pilot, lambda: "done" in str(live.render()), what="the screen to show the job done")


async def joined(pilot, app, other):
    """Once the TUI holds its first snapshot of the queue (a job queued before it shows): what happens to the
    queue from now on reaches it by events, or by asking."""
    first = await other.generate("first", width=16, height=16)
    await until(pilot, lambda: _state(app, first.id) is not None, what="the first snapshot")


def _state(app, job_id):
    job = app.link.mirror.jobs.get(job_id)
    return job.state if job else None


@pytest.mark.parametrize("families", [("[::1]", "127.0.0.1"), ("127.0.0.1", "[::1]")])
async def test_a_worker_with_its_sockets_on_two_address_families_streams_its_events(make_worker, families):
    worker = make_worker()
    worker.rep, worker.pub = (f"tcp://{host}:{port}" for host, port in zip(families, free_ports(2), strict=True))
    worker.start()
    async with worker.client() as client:
        assert await client.events_address() == worker.pub
        stream = client.events(silence_s=10.0)
        await anext(stream)
        job = await client.generate("red gem", width=16, height=16)
        items = await collect_until_terminal(stream, [job.id], timeout=20)
        await stream.aclose()
    assert any(isinstance(i, Event) and i.topic == "job.completed" for i in items)
    assert not [i for i in items if isinstance(i, Stalled)]


async def test_hello_announces_both_endpoints(worker):
    async with worker.client() as client:
        hello = await client.hello()
        assert (hello.commands, hello.events) == (worker.rep, worker.pub)


def test_an_events_address_that_is_no_address_is_said_without_a_traceback(worker, tmp_path):
    done = dgx("generate", "red gem", "--out", str(tmp_path), "--events", "gpu-box:5556", env=worker.cli_env())
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "cannot subscribe to events at 'gpu-box:5556'" in done.stderr and "tcp://HOST:PORT" in done.stderr
