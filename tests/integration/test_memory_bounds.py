"""Peers that never finish a message or never read their events cost the worker a bounded amount of memory."""

from __future__ import annotations

import asyncio
import socket
import struct
from pathlib import Path

import zmq
import zmq.asyncio

from tests.support.worker_process import FAST_CONFIG, WorkerProcess


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def zmtp_null_dealer(port: int) -> socket.socket:
    """A raw ZMTP 3.0 peer (NULL mechanism): libzmq itself never puts an unfinished message on the wire."""
    peer = socket.create_connection(("127.0.0.1", port))
    greeting = b"\xff" + b"\x00" * 8 + b"\x7f" + b"\x03\x00" + b"NULL".ljust(20, b"\x00") + b"\x00" + b"\x00" * 31
    peer.sendall(greeting)
    ready = b"\x05READY" + b"\x0bSocket-Type" + struct.pack(">I", 6) + b"DEALER"
    peer.sendall(b"\x04" + bytes([len(ready)]) + ready)
    return peer


async def test_a_message_that_never_ends_is_dropped_at_the_memory_limit(tmp_path):
    config = FAST_CONFIG.replace("[worker]\n", "[worker]\nmax_memory_mb = 300\n") + '[security]\ncurve = "off"\n'
    worker = WorkerProcess(tmp_path, config=config).start()
    try:
        peer = zmtp_null_dealer(int(worker.rep.rsplit(":", 1)[1]))
        frame = b"\x03" + struct.pack(">Q", 1 << 20) + b"x" * (1 << 20)  # MORE | LONG, 1 MB
        peak = 0.0
        try:
            for n in range(1000):  # 1 GB flagged "more", never a last frame
                await asyncio.to_thread(peer.sendall, frame)
                if n % 10 == 0:
                    peak = max(peak, rss_mb(worker.process.pid))
        except OSError:
            pass  # the worker dropped the connection: what it held is freed
        finally:
            peer.close()
        for _ in range(20):
            peak = max(peak, rss_mb(worker.process.pid))
            await asyncio.sleep(0.05)
        assert peak < 300 + 200, f"peak {peak:.0f} MB"  # the limit, plus what arrives between two checks
        assert "dropping every command connection" in worker.log()
        assert rss_mb(worker.process.pid) < 300
        async with worker.client(secure=False) as fresh:
            assert (await fresh.ping()).time > 0
    finally:
        worker.terminate()


async def test_a_subscriber_that_stops_reading_holds_a_bounded_number_of_bytes(tmp_path):
    worker = WorkerProcess(tmp_path, config=FAST_CONFIG.replace("[worker]\n", "[worker]\ntest_events = true\n")).start()
    context = zmq.asyncio.Context()
    try:
        stalled = worker.owner_socket(context, zmq.SUB)
        stalled.setsockopt(zmq.RCVHWM, 1)
        stalled.setsockopt(zmq.RCVBUF, 4096)
        stalled.subscribe(b"")
        stalled.connect(worker.pub)
        await stalled.recv_multipart()  # the greeting heartbeat: subscribed; from now on nothing is read
        before = rss_mb(worker.process.pid)
        async with worker.client() as client:
            for _ in range(10):  # 40,000 events of 4 KB: 160 MB if the worker kept them all
                await client.request("test_events", {"count": 4000, "payload_bytes": 4096}, timeout=60)
            growth = rss_mb(worker.process.pid) - before
        # At most PUB_HWM (2,048) events of this size, plus the kernel's socket buffers.
        assert growth < 40, f"the worker grew by {growth:.0f} MB"
    finally:
        context.destroy(0)
        worker.terminate()
