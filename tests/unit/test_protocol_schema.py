"""The JSON Schema in docs/schema, the message models and docs/protocol.md say the same thing.

Everything is read from the code as it is now: a field added to a model fails here until the schema files are
written again and the document's table names it, with its type."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dgx_pixels_worker.protocol import PROTOCOL_VERSION, ErrorCode
from dgx_pixels_worker.protocol import messages as m
from dgx_pixels_worker.protocol.schema import DOCUMENTS, documents, main, render, stale
from dgx_pixels_worker.serving.worker_requests import CAPABILITIES

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "docs" / "schema"
DOC = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
WRITE = "python -m dgx_pixels_worker.protocol.schema --write docs/schema"
SCALARS = {"str": "str", "int": "int", "float": "float", "bool": "bool", "bin": "bin", "nil": "nil", "true": "bool"}


# ---------------------------------------------------------------- reading the document


def sections(level: str) -> dict[str, str]:
    """Heading text -> the text under it, for headings of one level (`##` or `###`)."""
    parts = re.split(rf"^{level} (.+)$", DOC, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every Markdown table in `text`: its header cells and its rows of cells."""
    found = []
    for block in re.findall(r"(?:^\|.*\|\n)+", text + "\n", flags=re.M):
        rows = [[cell.strip() for cell in line.strip()[1:-1].split("|")] for line in block.strip().splitlines()]
        found.append((rows[0], [row for row in rows[2:] if row]))
    return found


def field_table(text: str, header: str) -> dict[str, str] | None:
    """Field -> its type from the first table whose header is `| Field | Type | <header> |`; None if none."""
    for head, rows in tables(text):
        if head[:3] == ["Field", "Type", header]:
            fields: dict[str, str] = {}
            for row in rows:
                names = re.findall(r"`([a-z_0-9]+)`", row[0])
                types = [part.strip() for part in row[1].split(", ")]
                for i, name in enumerate(names):
                    fields[name] = types[i] if len(types) == len(names) else row[1]
            return fields
    return None


def default_cells(text: str) -> dict[str, str]:
    """Field -> its Default cell, from the request table (`| Field | Type | Default |`)."""
    for head, rows in tables(text):
        if head[:3] == ["Field", "Type", "Default"]:
            return {name: row[2] for row in rows for name in re.findall(r"`([a-z_0-9]+)`", row[0])}
    return {}


def check_defaults(kind: str, model: type, cells: dict[str, str]) -> list[str]:
    """`**required**`, `nil` and a lone literal such as `200` or `""` must be the model's; prose is not checked."""
    problems = []
    for name, cell in cells.items():
        field = model.model_fields.get(name)
        if field is None:
            continue
        literal = re.fullmatch(r"`([^`]*)`(?: \(.*\))?", cell)
        if cell == "**required**" or field.is_required():
            if cell != "**required**" or not field.is_required():
                problems.append(
                    f"`{kind}`.`{name}`: the document says {cell}, the code says required={field.is_required()}"
                )
            continue
        default = field.get_default(call_default_factory=True)
        if cell == "nil" and default is not None:
            problems.append(f"`{kind}`.`{name}`: the document says nil, the code's default is {default!r}")
        elif literal and json.loads(literal[1]) != default:
            problems.append(f"`{kind}`.`{name}`: the document says {cell}, the code's default is {default!r}")
    return problems


def split_top(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += 1 if char in "[{(" else -1 if char in "]})" else 0
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()] if current.strip() else parts


def brace_shape(text: str) -> dict[str, str | None]:
    """`{job_id: str, progress: float, stage}` -> {"job_id": "str", "progress": "float", "stage": None}."""
    inner = text.strip()[1:-1]
    shape: dict[str, str | None] = {}
    for part in split_top(inner):
        name, _, kind = part.partition(":")
        name = name.strip().strip("`")
        if re.fullmatch(r"[a-z_0-9]+", name):
            shape[name] = kind.strip() or None
    return shape


def inline_reply(text: str) -> dict[str, str | None] | None:
    match = re.search(r"Reply: `(\{.*?\})`", text, flags=re.S)
    return brace_shape(match[1]) if match else None


# ---------------------------------------------------------------- types, both sides in the same words


def doc_kinds(text: str) -> tuple[frozenset[str], frozenset[str] | None]:
    """A type as the document writes it -> (its kinds, the kinds of its items for a list, None if not said)."""
    text = text.strip().strip("`")
    if text.startswith("map"):
        return frozenset({"map"}), None
    kinds, items = set(), None
    for alt in (alt.strip() for part in split_top(text) for alt in re.split(r"\s+or\s+", part)):
        if alt.startswith(("list of ", "[")):
            kinds.add("list")
            item = alt.removeprefix("list of ").strip("[]")
            item_kinds = {SCALARS.get(item, item)} if item in SCALARS or item[:1].isupper() else None
            items = frozenset(item_kinds) if item_kinds and "," not in item else None
        elif alt in SCALARS:
            kinds.add(SCALARS[alt])
        elif alt.startswith('"'):
            kinds.add("str")
        elif re.fullmatch(r"[A-Z][A-Za-z]+", alt):
            kinds.add(alt)
        else:
            kinds.add(f"? {alt}")
    return frozenset(kinds), items


def schema_kinds(spec: dict, defs: dict) -> tuple[frozenset[str], frozenset[str] | None]:
    kinds, items = set(), None
    for alt in spec.get("anyOf", [spec]):
        if "$ref" in alt:
            name = alt["$ref"].rsplit("/", 1)[1]
            kinds.add("str" if "enum" in defs[name] else name)
            continue
        kind = {"integer": "int", "number": "float", "boolean": "bool", "null": "nil", "object": "map"}.get(
            alt.get("type", ""), alt.get("type")
        )
        if kind == "string":
            kind = "bin" if alt.get("format") == "binary" else "str"
        if kind == "array":
            kind = "list"
            if "items" in alt and "prefixItems" not in alt["items"]:
                items = schema_kinds(alt["items"], defs)[0]
        kinds.add(kind or "any")
    return frozenset(kinds), items


def check_fields(where: str, model: type, written: dict[str, str | None], defs: dict) -> list[str]:
    """What differs between a model and the fields (and types, where given) the document lists for it."""
    props = model.model_json_schema(ref_template="#/$defs/{model}")["properties"]
    problems = [f"{where}: `{name}` is in the code, not in the document" for name in props if name not in written]
    problems += [f"{where}: `{name}` is in the document, not in the code" for name in written if name not in props]
    for name, text in written.items():
        if name not in props or not text:
            continue
        want, want_items = schema_kinds(props[name], defs)
        said, said_items = doc_kinds(text)
        if said != want or (said_items is not None and want_items is not None and said_items != want_items):
            shown = "/".join(sorted(want)) + (f" of {'/'.join(sorted(want_items))}" if want_items else "")
            problems.append(f"{where}: `{name}` is written `{text}`, the code has {shown}")
    return problems


DEFS = {name: spec for document in documents().values() for name, spec in document["$defs"].items()}
REQUEST_SECTIONS = {
    match[1]: text for title, text in sections("###").items() if (match := re.fullmatch(r"6\.\d+ `([a-z_]+)`.*", title))
}
RECORD_SECTIONS = {
    match[1]: text
    for match in re.finditer(
        r"^### ([A-Z][A-Za-z]+)\n(.*?)(?=^##)", sections("##")["7. Shared records"] + "\n##", re.M | re.S
    )
    for text in [match[2]]
}


def event_rows() -> dict[str, list[str]]:
    section = sections("##")["8. Events"]
    rows = next(rows for head, rows in tables(section) if head[:2] == ["Topic", "Sequenced"])
    return {row[0].strip("`"): row for row in rows}


# ---------------------------------------------------------------- the schema files


def test_the_schema_files_are_what_the_code_generates():
    assert stale(SCHEMA_DIR) == [], f"docs/schema is out of date: run `{WRITE}`"


def test_the_schema_command_writes_and_checks(tmp_path, capsys):
    assert main(["--check", str(tmp_path)]) == 1
    assert WRITE.replace("docs/schema", str(tmp_path)) in capsys.readouterr().err
    assert main(["--write", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(DOCUMENTS)
    assert main(["--check", str(tmp_path)]) == 0


def test_every_message_type_has_a_branch_with_its_body():
    docs = documents()
    branches = {
        name: {b["properties"]["type"]["const"]: b["properties"]["body"]["$ref"] for b in docs[name]["oneOf"]}
        for name in DOCUMENTS
    }
    assert branches["request.json"] == {k: f"#/$defs/{r.__name__}" for k, (r, _) in m.REQUESTS.items()}
    assert branches["reply.json"] == {
        **{k: f"#/$defs/{r.__name__}" for k, (_, r) in m.REQUESTS.items()},
        m.ERROR_TYPE: "#/$defs/ErrorInfo",
    }
    assert branches["event.json"] == {k: f"#/$defs/{b.__name__}" for k, b in m.EVENTS.items()}
    sequenced = {b["properties"]["type"]["const"] for b in docs["event.json"]["oneOf"] if "not" not in b}
    assert sequenced == {t for t in m.EVENTS if t.startswith(m.SEQUENCED_TOPICS)} and "preview" not in sequenced
    assert docs["reply.json"]["$defs"]["ErrorInfo"]["properties"]["code"]["enum"] == [c.value for c in ErrorCode]
    assert docs["request.json"]["$defs"]["Envelope"]["properties"]["v"]["const"] == PROTOCOL_VERSION


def test_the_files_are_valid_json_with_closed_requests_and_open_replies():
    loaded = {name: json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8")) for name in DOCUMENTS}
    assert loaded["request.json"]["$defs"]["GenerateRequest"]["additionalProperties"] is False
    assert "additionalProperties" not in loaded["reply.json"]["$defs"]["JobInfo"]
    seed = loaded["request.json"]["$defs"]["GenerateRequest"]["properties"]["seed"]["anyOf"][0]
    assert seed == {"maximum": 2**63 - 1, "minimum": 0, "type": "integer"}
    assert render(loaded["event.json"]) == (SCHEMA_DIR / "event.json").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the document


def test_every_request_has_its_section_and_every_section_a_request():
    assert sorted(REQUEST_SECTIONS) == sorted(m.REQUESTS)


@pytest.mark.parametrize("kind", sorted(m.REQUESTS))
def test_each_request_and_reply_is_documented_field_by_field(kind):
    text = REQUEST_SECTIONS[kind]
    request, reply = m.REQUESTS[kind]
    body = field_table(text, "Default")
    if body is None:
        assert re.search(r"Body: empty", text), f"6 `{kind}`: no `| Field | Type | Default |` table, nor `Body: empty`"
        body = {}
    answer = field_table(text, "Meaning") or inline_reply(text)
    assert answer is not None, f"6 `{kind}`: no `| Field | Type | Meaning |` reply table, nor a `Reply: {{...}}` line"
    problems = check_fields(f"`{kind}` request", request, body, DEFS) + check_defaults(
        kind, request, default_cells(text)
    )
    problems += check_fields(f"`{kind}` reply", reply, answer, DEFS)
    assert problems == []


def test_every_record_is_documented_field_by_field():
    problems = []
    for name, text in RECORD_SECTIONS.items():
        model = getattr(m, name, None)
        assert model is not None, f"section 7 documents {name}, which the code does not have"
        written = field_table(text, "Meaning")
        assert written is not None, f"section 7 {name}: no `| Field | Type | Meaning |` table"
        problems += check_fields(name, model, written, DEFS)
    assert problems == []


def test_every_model_a_message_holds_is_documented():
    bodies = {r.__name__ for pair in m.REQUESTS.values() for r in pair} | {b.__name__ for b in m.EVENTS.values()}
    enums = {name for name, spec in DEFS.items() if "enum" in spec}
    envelopes = {"Envelope", "SequencedEnvelope"}
    undocumented = set(DEFS) - bodies - enums - envelopes - set(RECORD_SECTIONS)
    assert undocumented == set(), f"give each a `### Name` table in section 7 of docs/protocol.md: {undocumented}"


def test_every_event_is_in_the_events_table_with_its_body_and_sequencing():
    rows = event_rows()
    assert sorted(rows) == sorted(m.EVENTS)
    problems = []
    for topic, row in rows.items():
        sequenced = topic.startswith(m.SEQUENCED_TOPICS)
        if row[1] != ("yes" if sequenced else "no"):
            problems.append(f"{topic}: Sequenced says {row[1]!r}")
        model = m.EVENTS[topic]
        if reply := re.search(r"the `([a-z_]+)` reply body", row[2]):
            assert model is m.REQUESTS[reply[1]][1], topic
        elif model.__name__ in RECORD_SECTIONS and model.__name__ in row[2]:
            continue  # documented as its record
        else:
            shape = re.search(r"\{.*\}", row[2])
            assert shape, f"{topic}: the Body column gives no {{...}} shape"
            problems += check_fields(topic, model, brace_shape(shape[0]), DEFS)
    assert problems == []


def test_sequencing_is_said_the_same_everywhere():
    prefixes = ", ".join(f"`{p}*`" for p in (t.rstrip(".") + "." for t in m.SEQUENCED_TOPICS))
    assert prefixes == "`job.*`, `worker.*`, `comparison.*`"
    assert "Events on `job.*`, `worker.*` and `comparison.*` carry a sequence number" in DOC
    assert "| `seq` | int | events on `job.*`, `worker.*`, `comparison.*` only |" in DOC
    assert "shared** by all `job.*`, `worker.*` and `comparison.*` events" in DOC
    subscriptions = {
        row[0].strip("`"): row[1] for head, row_list in tables(DOC) if head[0] == "Subscribe to" for row in row_list
    }
    for topic in m.EVENTS:
        prefix = next(p for p in subscriptions if topic.startswith(p))
        assert f"`{topic}`" in subscriptions[prefix], f"the 2.2 subscription table misses {topic}"


def test_hello_capabilities_are_the_workers():
    listed = json.dumps(CAPABILITIES, separators=(", ", ": "))
    assert f"`{listed}`" in REQUEST_SECTIONS["hello"]
    assert "| `capabilities` | " + ", ".join(f"`{c}`" for c in CAPABILITIES) + " |" in DOC


def test_every_error_code_is_in_the_codes_table():
    codes = {row[0].strip("`") for head, rows in tables(sections("###")["5.3 Error codes"]) for row in rows}
    assert codes == {code.value for code in ErrorCode}
