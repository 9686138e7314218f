"""generate_sprite's `style`: one of the sprite templates `dgx-pixels build` ships (character, item, tile,
effect), a prompt frame and defaults that keep a set of sprites alike."""

from __future__ import annotations

from typing import Any

from ..build.templates import SHIPPED_TEMPLATES, apply_template
from .results import ToolFailure

STYLE_FIELDS = ("negative", "size", "frames", "motion", "tile")  # what a style may set when the call does not


def styles_text() -> str:
    """Each style with what it makes, for the argument's description."""
    parts = []
    for name, fields in SHIPPED_TEMPLATES.items():
        extra = f", {fields['frames']} frames" if fields.get("frames") else ""
        extra += ", seamless" if fields.get("tile") else ""
        parts.append(f"'{name}' ({fields.get('size', 'model default')}{extra}, category {fields.get('category')})")
    return ", ".join(parts)


def style_prompt(style: str, prompt: str) -> tuple[str, dict[str, Any]]:
    """The prompt framed by the style's template, and the defaults it brings (negative, size, frames, motion,
    tile, and the Bevy category its sprites go in)."""
    try:
        return apply_template(style.strip().lower(), prompt)
    except KeyError:
        raise ToolFailure(f"unknown style {style!r}; one of: {', '.join(SHIPPED_TEMPLATES)}") from None


def styled(style: str | None, prompt: str, asked: dict[str, Any]) -> tuple[str, dict[str, Any], str | None]:
    """The prompt to send, the fields asked (None: not asked) over the style's defaults, and the Bevy category
    the style's sprites go in (None without a style)."""
    given = {key: value for key, value in asked.items() if value is not None}
    if style is None or not style.strip():
        return prompt, given, None
    framed, fields = style_prompt(style, prompt)
    defaults = {key: fields[key] for key in STYLE_FIELDS if key in fields}
    return framed, {**defaults, **given}, fields.get("category")
