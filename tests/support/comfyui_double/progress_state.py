"""Per-prompt node progress (comfy_execution.progress): every change re-sends the whole progress_state."""

from __future__ import annotations

from .binary_frames import PREVIEW_IMAGE_WITH_METADATA, PreviewImage
from .websocket_hub import SocketHub


class ProgressRegistry:
    def __init__(self, prompt_id: str, hub: SocketHub):
        self.prompt_id = prompt_id
        self.hub = hub
        self.nodes: dict[str, dict] = {}

    def _entry(self, node_id: str) -> dict:
        if node_id not in self.nodes:
            self.nodes[node_id] = {"state": "pending", "value": 0, "max": 1}
        return self.nodes[node_id]

    def _send_state(self) -> None:
        active = {
            node_id: {
                "value": state["value"],
                "max": state["max"],
                "state": state["state"],
                "node_id": node_id,
                "prompt_id": self.prompt_id,
                "display_node_id": node_id,
                "parent_node_id": None,
                "real_node_id": node_id,
            }
            for node_id, state in self.nodes.items()
            if state["state"] != "pending"
        }
        self.hub.send_sync("progress_state", {"prompt_id": self.prompt_id, "nodes": active}, self.hub.client_id)

    def start(self, node_id: str) -> None:
        # Floats on purpose: the real registry starts every node at 0.0/1.0.
        self._entry(node_id).update(state="running", value=0.0, max=1.0)
        self._send_state()

    def update(self, node_id: str, value: int, max_value: int, preview: PreviewImage | None) -> None:
        self._entry(node_id).update(state="running", value=value, max=max_value)
        self._send_state()
        if preview is not None and self.hub.supports_feature(self.hub.client_id, "supports_preview_metadata"):
            metadata = {
                "node_id": node_id,
                "prompt_id": self.prompt_id,
                "display_node_id": node_id,
                "parent_node_id": None,
                "real_node_id": node_id,
            }
            self.hub.send_sync(PREVIEW_IMAGE_WITH_METADATA, (preview, metadata), self.hub.client_id)

    def finish(self, node_id: str) -> None:
        entry = self._entry(node_id)
        entry.update(state="finished", value=entry["max"])
        self._send_state()
