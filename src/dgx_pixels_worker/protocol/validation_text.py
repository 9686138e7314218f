"""Pydantic validation errors as short lines a person can act on."""

from __future__ import annotations

from pydantic import ValidationError


def problems(exc: ValidationError) -> list[dict[str, str]]:
    """One {field, problem} per error, the field as a dotted path."""
    return [
        {"field": ".".join(str(p) for p in err["loc"]) or "body", "problem": err["msg"]}
        for err in exc.errors(include_url=False)
    ]


def summary(exc: ValidationError, most: int | None = None) -> str:
    return "; ".join(f"{p['field']}: {p['problem']}" for p in problems(exc)[:most])
