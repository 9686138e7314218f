"""Protocol edges against a real worker: what a hand-written client in another language would run into."""

import asyncio

import msgpack
import zmq
import zmq.asyncio


async def exchange(worker, payload: bytes, timeout: float = 5.0) -> dict:
    ctx = zmq.asyncio.Context()
    sock = worker.owner_socket(ctx, zmq.DEALER)
    sock.connect(worker.rep)
    try:
        await sock.send_multipart([payload])
        return msgpack.unpackb((await asyncio.wait_for(sock.recv_multipart(), timeout))[-1])
    finally:
        ctx.destroy(0)


async def test_invalid_utf8_inside_a_body_gets_an_error_naming_the_request(worker):
    frame = msgpack.packb({"v": 1, "type": "generate", "id": "utf8-1", "body": {"prompt": "x"}})
    reply = await exchange(worker, frame.replace(b"\xa1x", b"\xa1\xff"))
    assert reply["type"] == "error" and reply["re"] == "utf8-1"
    assert reply["body"]["code"] == "malformed" and "not valid UTF-8" in reply["body"]["message"]


async def test_a_bool_where_an_int_belongs_is_refused_and_nothing_is_queued(worker):
    frame = msgpack.packb({"v": 1, "type": "generate", "id": "bool-1", "body": {"prompt": "x", "count": True}})
    reply = await exchange(worker, frame)
    assert reply["type"] == "error" and reply["re"] == "bool-1" and reply["body"]["code"] == "invalid"
    assert reply["body"]["details"]["errors"] == [{"field": "count", "problem": "Input should be a valid integer"}]
    jobs = await exchange(worker, msgpack.packb({"v": 1, "type": "jobs", "id": "jobs-1", "body": {}}))
    assert jobs["body"]["jobs"] == []


async def test_hello_announces_an_ipv4_events_address_plainly_not_ipv4_mapped(worker):
    hello = await exchange(worker, msgpack.packb({"v": 1, "type": "hello", "id": "h-1", "body": {}}))
    assert hello["body"]["events"] == worker.pub and worker.pub.startswith("tcp://127.0.0.1:")
    assert {"compare", "votes"} <= set(hello["body"]["capabilities"])
