"""Sprite templates: a prompt frame and defaults per kind of sprite, so a set of assets reads alike. The shipped
ones are below (docs/build.md lists them); a manifest's `[templates.NAME]` adds its own or changes a shipped one."""

from __future__ import annotations

from typing import Any

PLACEHOLDER = "{prompt}"

SHIPPED_TEMPLATES: dict[str, dict[str, Any]] = {
    "character": {
        "prompt": "{prompt}, full body game character, side view, standing, pixel art sprite, plain background",
        "negative": "cropped, text, watermark, blurry",
        "size": "64x64",
        "category": "characters",
    },
    "item": {
        "prompt": "{prompt}, single game item icon, centred, pixel art sprite, plain background",
        "negative": "text, watermark, hands, blurry",
        "size": "32x32",
        "category": "items",
    },
    "tile": {
        "prompt": "{prompt}, seamless top-down terrain texture, pixel art tile",
        "negative": "objects, characters, text, border",
        "size": "32x32",
        "tile": True,
        "category": "tiles",
    },
    "effect": {
        "prompt": "{prompt}, glowing magic effect, game vfx, pixel art sprite, plain dark background",
        "negative": "characters, text, watermark",
        "size": "48x48",
        "category": "effects",
    },
}


def fill(template_prompt: str, prompt: str) -> str:
    """The template's prompt around the asset's own: at `{prompt}`, else the asset's prompt first."""
    if PLACEHOLDER in template_prompt:
        return template_prompt.replace(PLACEHOLDER, prompt).strip(" ,")
    return f"{prompt}, {template_prompt}".strip(" ,") if template_prompt else prompt


def templates_with(project: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The shipped templates with a project's own: a project template of a shipped name changes only the fields
    it gives."""
    merged = {name: dict(fields) for name, fields in SHIPPED_TEMPLATES.items()}
    for name, fields in project.items():
        merged[name] = {**merged.get(name, {}), **fields}
    return merged


def apply_template(style: str, prompt: str) -> tuple[str, dict[str, Any]]:
    """A shipped template applied to a prompt: the full prompt and the template's other fields. KeyError for a
    name that is not shipped."""
    fields = dict(SHIPPED_TEMPLATES[style])
    return fill(str(fields.pop("prompt", "")), prompt), fields
