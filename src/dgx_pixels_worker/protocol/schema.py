"""JSON Schema of every message, generated from the pydantic models of `messages.py` and the envelope.

    python -m dgx_pixels_worker.protocol.schema --write docs/schema   # write request, reply and event schemas
    python -m dgx_pixels_worker.protocol.schema --check docs/schema   # exit 1 if the files are not what the code says

Three documents (JSON Schema 2020-12), each a whole envelope whose `body` is picked by `type`:

- `request.json`: what a client sends; bodies are closed (an unknown field is `invalid`).
- `reply.json`: what the worker answers, a request's reply or an `error`; bodies are open (a newer worker may add
  fields, which a client ignores).
- `event.json`: what the worker publishes; `seq` and `epoch` are required on sequenced topics, absent on `preview`.

The schemas describe MsgPack values in JSON Schema's words: `string` is a MsgPack str, `"format": "binary"` a
MsgPack bin, `integer` a MsgPack int (64-bit: see docs/protocol.md, MsgPack types), `number` a float or an int.
Bounds that come from the worker's configuration (`[limits]`) are not in them; docs/protocol.md has those.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

from . import messages as m
from .errors import ErrorCode

DIALECT = "https://json-schema.org/draft/2020-12/schema"
DOCUMENTS = ("request.json", "reply.json", "event.json")


class Envelope(BaseModel):
    """The map every message travels in: one MsgPack map, in the last frame of a ZeroMQ message."""

    model_config = ConfigDict(extra="allow")  # unknown top-level keys are ignored

    v: Literal[1] = Field(description="protocol version: the integer 1 (not true, not 1.0)")  # PROTOCOL_VERSION
    type: str = Field(min_length=1, description="the request type, the reply type (= the request's), or the topic")
    id: str = Field(min_length=1, max_length=128, description="unique id of this message")
    re: str | None = Field(
        default=None, description="replies: the request's id; events: the id of the request that caused them"
    )
    ts: float | None = Field(default=None, description="the sender's clock, Unix seconds")
    body: dict[str, Any] = Field(default_factory=dict, description="the type's content, described per type")


class SequencedEnvelope(Envelope):
    seq: int = Field(ge=1, description="events on job., worker. and comparison.: 1, 2, 3, ... per worker run")
    epoch: str = Field(description="the worker run; a new value means the worker restarted")


def documents() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema document, from the models as they are now."""
    requests: dict[str, type[BaseModel]] = {kind: pair[0] for kind, pair in m.REQUESTS.items()}
    replies: dict[str, type[BaseModel]] = {kind: pair[1] for kind, pair in m.REQUESTS.items()}
    replies[m.ERROR_TYPE] = m.ErrorInfo
    return {
        "request.json": _document("request", "A request from a client (dgx-pixels protocol 1)", requests, sequenced=()),
        "reply.json": _document(
            "reply", "The worker's reply to one request, or an error (dgx-pixels protocol 1)", replies, sequenced=()
        ),
        "event.json": _document(
            "event",
            "An event the worker publishes (dgx-pixels protocol 1); frame 0 is the topic, which equals `type`",
            dict(m.EVENTS),
            sequenced=tuple(topic for topic in m.EVENTS if topic.startswith(m.SEQUENCED_TOPICS)),
        ),
    }


def _document(name: str, title: str, bodies: dict[str, type[BaseModel]], sequenced: tuple[str, ...]) -> dict[str, Any]:
    envelopes: list[type[BaseModel]] = [Envelope, SequencedEnvelope] if sequenced else [Envelope]
    models = list(dict.fromkeys([*envelopes, *bodies.values()]))
    refs, shared = models_json_schema([(model, "validation") for model in models], ref_template="#/$defs/{model}")
    defs: dict[str, Any] = shared["$defs"]
    if m.ErrorInfo in models:
        defs["ErrorInfo"]["properties"]["code"] = {"enum": [code.value for code in ErrorCode], "type": "string"}
    branches = []
    for kind, model in bodies.items():
        envelope = SequencedEnvelope if kind in sequenced else Envelope
        branch: dict[str, Any] = {
            "properties": {"type": {"const": kind}, "body": refs[(model, "validation")]},
            "$ref": refs[(envelope, "validation")]["$ref"],
        }
        if name == "event" and kind not in sequenced:
            branch["not"] = {"anyOf": [{"required": ["seq"]}, {"required": ["epoch"]}]}
        branches.append(branch)
    return {
        "$schema": DIALECT,
        "title": title,
        "description": "Generated from src/dgx_pixels_worker/protocol/ by `python -m dgx_pixels_worker.protocol.schema "
        "--write docs/schema`; docs/protocol.md says what each field means. MsgPack: `string` is str, "
        "`format: binary` is bin, `integer` is an int of up to 64 bits (never a float).",
        "oneOf": branches,
        "$defs": dict(sorted(defs.items())),
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def stale(folder: Path) -> list[str]:
    """The files of `folder` that differ from what the code generates now (missing ones included)."""
    return [
        file
        for file, document in documents().items()
        if not (folder / file).is_file() or (folder / file).read_text(encoding="utf-8") != render(document)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dgx_pixels_worker.protocol.schema", description="JSON Schema of the wire protocol's messages"
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", metavar="FOLDER", type=Path, help="write request.json, reply.json and event.json")
    action.add_argument("--check", metavar="FOLDER", type=Path, help="exit 1 if the files there are out of date")
    args = parser.parse_args(argv)
    if args.write:
        args.write.mkdir(parents=True, exist_ok=True)
        for file, document in documents().items():
            (args.write / file).write_text(render(document), encoding="utf-8")
        print(f"wrote {', '.join(DOCUMENTS)} in {args.write}")
        return 0
    out_of_date = stale(args.check)
    if out_of_date:
        print(
            f"{', '.join(out_of_date)} in {args.check} differ from the code; run "
            f"`python -m dgx_pixels_worker.protocol.schema --write {args.check}`",
            file=sys.stderr,
        )
        return 1
    print(f"{args.check}: up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
