"""Reading a size a person typed: "64x64", "64 X 48", "32×32" or just "64"."""

from __future__ import annotations

import re


def parse_size(text: str | None) -> tuple[int | None, int | None]:
    if not text:
        return None, None
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if match is None:
        if text.isdigit():
            return int(text), int(text)
        raise ValueError(f"size {text!r} is not WIDTHxHEIGHT, e.g. 64x64")
    return int(match[1]), int(match[2])
