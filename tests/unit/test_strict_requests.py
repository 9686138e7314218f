"""A request's numbers and booleans take only their own type: `true` is not 1, `2.0` is not 2, `"5"` is not 5."""

import pytest
from pydantic import ValidationError

from dgx_pixels_worker.protocol import messages as m

# (request type, field, JSON Schema type) for every number and boolean of every request, read from the models
FIELDS = [
    (kind, name, kinds)
    for kind, (model, _) in m.REQUESTS.items()
    for name, spec in model.model_json_schema()["properties"].items()
    if (kinds := {s.get("type") for s in spec.get("anyOf", [spec])} & {"integer", "number", "boolean"})
]
WRONG = {"integer": [True, False, 2.0, "5"], "number": [True, "2.5"], "boolean": [1, 0, "true"]}


def test_every_request_number_is_listed():
    named = {(kind, name) for kind, name, _ in FIELDS}
    assert {("generate", "count"), ("generate", "seed"), ("jobs", "limit"), ("image", "include_bytes")} <= named


@pytest.mark.parametrize("kind, name, kinds", FIELDS, ids=[f"{k}.{n}" for k, n, _ in FIELDS])
def test_a_value_of_another_type_is_refused(kind, name, kinds):
    model = m.REQUESTS[kind][0]
    for json_type in kinds:
        for value in WRONG[json_type]:
            with pytest.raises(ValidationError) as caught:
                model.model_validate({name: value})
            assert any(error["loc"][:1] == (name,) for error in caught.value.errors()), (name, value)


def test_an_int_is_still_a_float():
    assert m.GenerateRequest.model_validate({"prompt": "x", "cfg": 7}).cfg == 7.0
