"""How a simulated node class is described, and how it is rendered into /object_info (V1 and V3 shapes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class NodeOutput:
    result: tuple = ()
    ui: dict | None = None


NodeRunner = Callable[..., Awaitable[NodeOutput]]


@dataclass
class NodeDef:
    name: str
    display_name: str
    category: str
    input_types: Callable[[], dict]  # the V1-shaped "input" dict, rebuilt on every call (combos follow the folders)
    return_types: tuple
    run: NodeRunner  # async run(ctx: NodeContext, **inputs) -> NodeOutput
    description: str = ""
    return_names: tuple | None = None
    output_tooltips: tuple | None = None
    output_node: bool = False
    python_module: str = "nodes"
    schema_v3: bool = False
    api_node: bool = False
    experimental: bool = False  # EXPERIMENTAL = True: the V1 info gains a trailing "experimental": true
    validate_inputs: Callable[..., Any] | None = None  # VALIDATE_INPUTS: True or an error string
    validate_input_names: tuple[str, ...] = ()
    is_changed: Callable[..., Any] | None = None  # IS_CHANGED / fingerprint_inputs

    def node_info(self) -> dict:
        inputs = self.input_types()
        outputs = list(self.return_types)
        info: dict[str, Any] = {
            "input": inputs,
            "input_order": {key: list(value.keys()) for key, value in inputs.items()},
            "output": outputs,
            "output_is_list": [False] * len(outputs),
            "output_name": list(self.return_names or self.return_types),
        }
        if self.schema_v3:
            # comfy_api's NodeInfoV1 dataclass, serialised with asdict(): every field, in field order
            info["output_tooltips"] = list(self.output_tooltips or [None] * len(outputs))
            info.update(
                name=self.name,
                display_name=self.display_name,
                description=self.description,
                python_module=self.python_module,
                category=self.category,
                output_node=self.output_node,
                deprecated=False,
                experimental=self.experimental,
                api_node=self.api_node,
            )
            return info
        info.update(
            name=self.name,
            display_name=self.display_name,
            description=self.description,
            python_module=self.python_module,
            category=self.category,
            output_node=self.output_node,
        )
        if self.output_tooltips is not None:
            info["output_tooltips"] = list(self.output_tooltips)
        if self.experimental:
            info["experimental"] = True
        return info
