"""A request body beyond generous bounds is refused before full validation, and an error reply lists few
problems however many there are."""

from __future__ import annotations

import time

import msgpack
import pytest
from pydantic import ValidationError

from dgx_pixels_worker.protocol import ErrorCode, WorkerError, validation_text
from dgx_pixels_worker.protocol import messages as m
from dgx_pixels_worker.protocol.body_limits import MAX_ITEMS, check_body


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"prompt": "x", "tags": [1] * 400_000}, "tags", "400000 items is more than the 1024"),
        ({"prompt": "x", "postprocess": [{"op": "trim"}] * 30_000}, "postprocess", "30000 items"),
        ({"prompt": "x" * 100_000}, "prompt", "100000 characters"),
        ({"prompt": "x", **{f"k{n}": n for n in range(2000)}}, "body", "2001 items"),
        ({"prompt": "x", "postprocess": [[[[[[[[[["deep"]]]]]]]]]]}, "postprocess.0.0.0.0.0.0.0", "deeper than 8"),
        ({"a": [[0] * 1000] * 30}, "body", "more than 20000 values"),
    ],
)
def test_a_body_beyond_the_bounds_is_refused_at_once_naming_where(body, field, words):
    started = time.monotonic()
    with pytest.raises(WorkerError) as caught:
        check_body(body, "generate")
    assert time.monotonic() - started < 0.1
    assert caught.value.code == ErrorCode.INVALID and caught.value.details == {"field": field}
    assert caught.value.message.startswith(f"invalid generate request: {field}") and words in caught.value.message
    assert len(msgpack.packb(caught.value.to_body())) < 300


def test_every_real_request_is_inside_the_bounds():
    palette = {"op": "palette", "colors": ["#000000"] * 256}
    check_body({"prompt": "x" * 2000, "tags": ["t"] * 16, "postprocess": [palette] * 16, "width": 64})
    check_body({"items": list(range(MAX_ITEMS))})


def test_an_error_reply_lists_twenty_problems_and_counts_the_rest():
    with pytest.raises(ValidationError) as caught:
        m.GenerateRequest.model_validate({"prompt": "x", "tags": list(range(200))})
    listed = validation_text.problems(caught.value)
    assert len(listed) == 21 and listed[0] == {"field": "tags.0", "problem": "Input should be a valid string"}
    assert listed[-1] == {"field": "...", "problem": "180 more problems not listed"}
    assert validation_text.summary(caught.value, most=2).count(";") == 1
