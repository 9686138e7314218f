import msgpack
import pytest

from dgx_pixels_worker.protocol import Envelope, ErrorCode, WorkerError, decode
from dgx_pixels_worker.protocol import messages as m
from dgx_pixels_worker.protocol.envelope import peek_id


def test_envelope_round_trips_with_bytes_and_sequence():
    sent = Envelope(type="preview", body={"data": b"\x89PNG", "n": 3}, re="abc", seq=7, epoch="e1")
    got = decode(sent.encode())
    assert (got.type, got.body, got.re, got.seq, got.epoch, got.id) == (
        "preview",
        {"data": b"\x89PNG", "n": 3},
        "abc",
        7,
        "e1",
        sent.id,
    )


@pytest.mark.parametrize(
    "frame, code",
    [
        (b"\xc1 not msgpack", ErrorCode.MALFORMED),
        (msgpack.packb([1, 2, 3]), ErrorCode.MALFORMED),
        (msgpack.packb({"v": 99, "type": "ping", "id": "x", "body": {}}), ErrorCode.UNSUPPORTED_VERSION),
        (msgpack.packb({"v": 1, "id": "x", "body": {}}), ErrorCode.MALFORMED),
        (msgpack.packb({"v": 1, "type": "ping", "body": {}}), ErrorCode.MALFORMED),
        (msgpack.packb({"v": 1, "type": "ping", "id": "x", "body": [1]}), ErrorCode.MALFORMED),
    ],
)
def test_bad_frames_raise_typed_errors(frame, code):
    with pytest.raises(WorkerError) as caught:
        decode(frame)
    assert caught.value.code == code
    assert caught.value.message  # always says what to do


def test_peek_id_recovers_the_id_of_an_invalid_envelope():
    assert peek_id(msgpack.packb({"v": 42, "id": "req-1"})) == "req-1"
    assert peek_id(b"\xc1") is None


def test_requests_reject_unknown_fields_but_replies_ignore_them():
    with pytest.raises(ValueError):
        m.GenerateRequest.model_validate({"prompt": "knight", "sead": 4})
    reply = m.PingReply.model_validate({"time": 1.0, "added_in_a_later_version": True})
    assert reply.time == 1.0


def test_every_request_has_a_reply_model_and_every_terminal_event_is_known():
    assert set(m.TERMINAL_EVENTS) <= set(m.EVENTS)
    for request, reply in m.REQUESTS.values():
        assert issubclass(request, m.Request) and issubclass(reply, m.Reply)
