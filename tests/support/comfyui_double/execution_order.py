"""Which node runs next: ComfyUI's ExecutionList (topological order with its 'UX friendly' pick)."""

from __future__ import annotations

from collections.abc import Callable

from .node_inputs import is_link
from .node_types import NodeDef


class DependencyCycleError(Exception):
    pass


class ExecutionList:
    def __init__(self, prompt: dict, catalog: dict[str, NodeDef], is_cached: Callable[[str], bool]):
        self.prompt = prompt
        self.catalog = catalog
        self.is_cached = is_cached
        self.pending: dict[str, bool] = {}
        self.block_count: dict[str, int] = {}
        self.blocking: dict[str, dict[str, dict]] = {}
        self.staged: str | None = None

    def add_node(self, unique_id: str) -> None:
        node_ids = [unique_id]
        links = []
        while node_ids:
            uid = node_ids.pop()
            if uid in self.pending:
                continue
            self.pending[uid] = True
            self.block_count[uid] = 0
            self.blocking[uid] = {}
            for value in self.prompt[uid]["inputs"].values():
                if is_link(value):
                    from_id, from_socket = value
                    if not self.is_cached(from_id):
                        node_ids.append(from_id)
                    links.append((from_id, from_socket, uid))
        for link in links:
            self.add_strong_link(*link)

    def add_strong_link(self, from_id: str, from_socket: int, to_id: str) -> None:
        if not self.is_cached(from_id):
            self.add_node(from_id)
            if to_id not in self.blocking[from_id]:
                self.blocking[from_id][to_id] = {}
                self.block_count[to_id] += 1
            self.blocking[from_id][to_id][from_socket] = True

    def is_empty(self) -> bool:
        return len(self.pending) == 0

    def _is_output(self, node_id: str) -> bool:
        return self.catalog[self.prompt[node_id]["class_type"]].output_node is True

    def _pick(self, available: list[str]) -> str:
        # Output nodes first (a preview shows up as soon as it can), then whatever feeds an output soonest.
        for node_id in available:
            if self._is_output(node_id):
                return node_id
        for node_id in available:
            if any(self._is_output(blocked) for blocked in self.blocking[node_id]):
                return node_id
        for node_id in available:
            for blocked in self.blocking[node_id]:
                if any(self._is_output(blocked2) for blocked2 in self.blocking[blocked]):
                    return node_id
        return available[0]

    def stage_node_execution(self) -> tuple[str | None, dict | None, Exception | None]:
        if self.is_empty():
            return None, None, None
        available = [node_id for node_id in self.pending if self.block_count[node_id] == 0]
        if not available:
            ex = DependencyCycleError("Dependency cycle detected")
            blamed = next(iter(self.pending))
            return (
                None,
                {
                    "node_id": blamed,
                    "exception_message": str(ex),
                    "exception_type": "graph.DependencyCycleError",
                    "traceback": [],
                    "current_inputs": [],
                },
                ex,
            )
        self.staged = self._pick(available)
        return self.staged, None, None

    def complete_node_execution(self) -> None:
        node_id = self.staged
        del self.pending[node_id]
        for blocked in self.blocking[node_id]:
            self.block_count[blocked] -= 1
        del self.blocking[node_id]
        self.staged = None
