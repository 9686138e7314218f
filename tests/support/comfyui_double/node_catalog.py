"""NODE_CLASS_MAPPINGS of the double: every node class it knows, by class_type."""

from __future__ import annotations

from . import nodes_api, nodes_images, nodes_loaders, nodes_masks, nodes_sampling, nodes_training
from .directories import ServerDirectories
from .node_types import NodeDef


def build_node_catalog(dirs: ServerDirectories, training: bool = True) -> dict[str, NodeDef]:
    """Without `training`, a server older than the native LoRA training nodes (before 0.3.6x)."""
    defs = [
        *nodes_loaders.node_defs(dirs),
        *nodes_sampling.node_defs(dirs),
        *nodes_images.node_defs(dirs),
        *nodes_masks.node_defs(dirs),
        *(nodes_training.node_defs(dirs) if training else []),
        *nodes_api.node_defs(dirs),
    ]
    return {node.name: node for node in defs}
