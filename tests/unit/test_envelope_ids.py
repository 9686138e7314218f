"""An error reply names the request whenever the request's id could be read, whatever else in the frame is broken."""

import msgpack
import pytest

from dgx_pixels_worker.protocol import ErrorCode, WorkerError, decode
from dgx_pixels_worker.protocol.envelope import peek_id

GOOD = msgpack.packb({"v": 1, "type": "generate", "id": "req-7", "body": {"prompt": "x"}})
BAD_UTF8 = GOOD.replace(b"\xa1x", b"\xa1\xff")  # the prompt's one byte is not UTF-8


def test_a_body_with_invalid_utf8_is_malformed_and_says_so():
    with pytest.raises(WorkerError) as caught:
        decode(BAD_UTF8)
    assert caught.value.code == ErrorCode.MALFORMED
    assert "not valid UTF-8" in caught.value.message and "bin" in caught.value.message


@pytest.mark.parametrize(
    "frame",
    [BAD_UTF8, GOOD + b"\x01", msgpack.packb({"v": 1, "type": "ping", "id": "req-7", "body": {1: 2}})],
    ids=["invalid-utf8-in-body", "trailing-bytes", "int-key-in-body"],
)
def test_the_id_is_read_when_it_is_readable(frame):
    with pytest.raises(WorkerError):
        decode(frame)
    assert peek_id(frame) == "req-7"


@pytest.mark.parametrize(
    "frame",
    [b"\xc1", msgpack.packb([1]), msgpack.packb({"id": b"bytes"}), b"\x81\xa2id\xa2\xff\xfe", msgpack.packb({"v": 1})],
    ids=["not-msgpack", "not-a-map", "bin-id", "id-not-utf8", "no-id"],
)
def test_no_id_is_made_up(frame):
    assert peek_id(frame) is None
