"""Pydantic validation errors as short lines a person can act on."""

from __future__ import annotations

from pydantic import ValidationError

MOST_PROBLEMS = 20  # problems listed in one reply; the rest are counted in a last line


def problems(exc: ValidationError, most: int = MOST_PROBLEMS) -> list[dict[str, str]]:
    """One {field, problem} per error, the field as a dotted path: at most `most` of them, then one line
    counting the rest, so a body with thousands of bad items gets a short reply."""
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    listed = [
        {"field": ".".join(str(p) for p in err["loc"])[:120] or "body", "problem": err["msg"]} for err in errors[:most]
    ]
    if len(errors) > most:
        listed.append({"field": "...", "problem": f"{len(errors) - most} more problems not listed"})
    return listed


def summary(exc: ValidationError, most: int | None = None) -> str:
    return "; ".join(f"{p['field']}: {p['problem']}" for p in problems(exc)[:most])
