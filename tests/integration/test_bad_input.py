"""Malformed frames, unknown things and absurd requests get typed errors; other clients are not disturbed."""

import asyncio

import msgpack
import pytest
import zmq
import zmq.asyncio

from dgx_pixels_worker.protocol import ErrorCode, WorkerError


async def raw_exchange(worker, frames, timeout=5.0):
    ctx = zmq.asyncio.Context()
    sock = worker.owner_socket(ctx, zmq.DEALER)
    sock.connect(worker.rep)
    try:
        await sock.send_multipart(frames)
        reply = await asyncio.wait_for(sock.recv_multipart(), timeout)
        return msgpack.unpackb(reply[-1])
    finally:
        ctx.destroy(0)


@pytest.mark.parametrize(
    "payload, code",
    [
        (b"\x00garbage\xff", "malformed"),
        (msgpack.packb({"v": 1, "type": "ping"}), "malformed"),
        (msgpack.packb({"v": 7, "type": "ping", "id": "r1", "body": {}}), "unsupported_version"),
        (msgpack.packb({"v": 1, "type": "fly", "id": "r2", "body": {}}), "unknown_type"),
        (msgpack.packb({"v": 1, "type": "generate", "id": "r3", "body": {"prompt": 5}}), "invalid"),
        (msgpack.packb({"v": 1, "type": "generate", "id": "r4", "body": {"prompt": "x", "count": -2}}), "invalid"),
        (msgpack.packb({"v": 1, "type": "job", "id": "r5", "body": {"job_id": "nosuchjob"}}), "unknown_job"),
        (msgpack.packb({"v": 1, "type": "image", "id": "r6", "body": {"image_id": "nope-0"}}), "unknown_image"),
        (msgpack.packb({"v": 1, "type": "test_events", "id": "r7", "body": {"count": 1}}), "disabled"),
        (msgpack.packb({"v": 1, "type": "ping", "id": "r8", "body": {}, "pad": b"x" * 6_000_000}), "too_large"),
    ],
    ids=[
        "garbage",
        "no-id",
        "version",
        "unknown-type",
        "bad-prompt",
        "negative-count",
        "unknown-job",
        "unknown-image",
        "disabled",
        "too-large",
    ],
)
async def test_each_bad_request_gets_a_typed_error_reply(worker, payload, code):
    reply = await raw_exchange(worker, [payload])
    assert reply["type"] == "error" and reply["body"]["code"] == code
    assert reply["body"]["message"]
    request_id = msgpack.unpackb(payload).get("id") if payload[:1] != b"\x00" else None
    assert reply["re"] == request_id  # the reply names the request whenever it had a readable id


async def test_bad_clients_do_not_disturb_a_good_one(worker):
    async with worker.client() as good:

        async def hammer():
            for n in range(50):
                await raw_exchange(worker, [b"\xc1" * (n + 1)])

        pinger = asyncio.gather(*(good.ping() for _ in range(50)))
        await asyncio.gather(hammer(), pinger)
        assert len(pinger.result()) == 50
        assert (await good.status()).queue["queued"] == 0


async def test_unknown_model_and_absurd_size_say_what_to_do(worker):
    async with worker.client() as client:
        with pytest.raises(WorkerError) as caught:
            await client.generate("knight", model="sdxl-turbo")
        assert caught.value.code == ErrorCode.UNKNOWN_MODEL and "available: procedural" in caught.value.message
        with pytest.raises(WorkerError) as caught:
            await client.generate("knight", width=100000, height=100000)
        assert caught.value.code == ErrorCode.INVALID and "64x64" in caught.value.message
        with pytest.raises(WorkerError) as caught:
            await client.cancel("nosuchjob")
        assert caught.value.code == ErrorCode.UNKNOWN_JOB
        # the worker still serves
        assert (await client.ping()).time > 0
