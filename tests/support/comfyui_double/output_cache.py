"""ComfyUI's CLASSIC output cache: entries keyed by a node's input signature, kept only while the current
prompt still uses them. Node ids are not part of the key, so the same loader under another id is a hit."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .node_inputs import is_link
from .node_types import NodeDef


@dataclass
class CacheEntry:
    outputs: list[list[Any]]  # per output socket, the list ComfyUI maps over
    ui: dict | None  # {"meta": {...}, "output": {...}} for nodes that produced UI output


class _NeverEqual:
    """Stands in for the NaN signature of a node that does not exist: never a cache hit."""

    def __eq__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return id(self)


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return ("__dict__", tuple(sorted((str(k), _hashable(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, float) and value != value:
        return _NeverEqual()
    try:
        hash(value)
        return value
    except TypeError:
        return json.dumps(value, sort_keys=True, default=str)


class OutputCache:
    def __init__(self) -> None:
        self.entries: dict[Any, CacheEntry] = {}
        self.keys: dict[str, Any] = {}

    def set_prompt(self, prompt: dict, catalog: dict[str, NodeDef], is_changed: Callable[[str], Any]) -> None:
        self.keys = {node_id: self._signature(prompt, catalog, node_id, is_changed) for node_id in prompt}
        used = set(self.keys.values())
        self.entries = {key: entry for key, entry in self.entries.items() if key in used}

    def _signature(
        self, prompt: dict, catalog: dict[str, NodeDef], node_id: str, is_changed: Callable[[str], Any]
    ) -> Any:
        ancestors: list[str] = []
        order: dict[str, int] = {}

        def walk(uid: str) -> None:
            if uid not in prompt:
                return
            inputs = prompt[uid]["inputs"]
            for key in sorted(inputs):
                if is_link(inputs[key]) and inputs[key][0] not in order:
                    ancestors.append(inputs[key][0])
                    order[inputs[key][0]] = len(ancestors) - 1
                    walk(inputs[key][0])

        def immediate(uid: str) -> Any:
            if uid not in prompt:
                return (_NeverEqual(),)
            node = prompt[uid]
            parts: list[Any] = [node["class_type"], _hashable(is_changed(uid))]
            if "UNIQUE_ID" in str(catalog[node["class_type"]].input_types().get("hidden", {})):
                parts.append(uid)
            for key in sorted(node["inputs"]):
                value = node["inputs"][key]
                if is_link(value):
                    parts.append((key, ("ANCESTOR", order[value[0]], value[1])))
                else:
                    parts.append((key, _hashable(value)))
            return tuple(parts)

        walk(node_id)
        return (immediate(node_id), *(immediate(uid) for uid in ancestors))

    def get(self, node_id: str) -> CacheEntry | None:
        key = self.keys.get(node_id)
        return None if key is None else self.entries.get(key)

    def set(self, node_id: str, entry: CacheEntry) -> None:
        self.entries[self.keys[node_id]] = entry

    def all_node_ids(self) -> set[str]:
        return set(self.keys)

    def reset(self) -> None:
        self.entries.clear()
        self.keys.clear()
