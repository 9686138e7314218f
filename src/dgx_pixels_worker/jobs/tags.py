"""Tags as they are stored and searched: stripped, lower-case, unique, short."""

from __future__ import annotations

from collections.abc import Iterable

MAX_TAG_CHARS = 32


def clean_tag(tag: str | None) -> str:
    """A tag as stored; "" for none."""
    return (tag or "").strip().lower()


def clean_tags(tags: Iterable[str], max_tags: int) -> tuple[str, ...]:
    """The tags as stored, in order and without repeats; ValueError saying what is wrong with them."""
    cleaned: list[str] = []
    for raw in tags:
        tag = clean_tag(raw)
        if not tag:
            continue
        if len(tag) > MAX_TAG_CHARS:
            raise ValueError(f"tag {tag[:40]!r} is longer than {MAX_TAG_CHARS} characters")
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > max_tags:
        raise ValueError(f"at most {max_tags} tags per job")
    return tuple(cleaned)
