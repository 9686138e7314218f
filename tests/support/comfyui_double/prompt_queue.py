"""Pending prompts (a heap, listed unsorted), the running one, history and worker flags; memory only."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import heapq
from collections.abc import Callable
from typing import Any

MAXIMUM_HISTORY_SIZE = 10000

# Queue item: (number, prompt_id, prompt, extra_data, outputs_to_execute, sensitive); clients see the first five.
QueueItem = tuple


class PromptQueue:
    def __init__(self, on_update: Callable[[], None]):
        self.on_update = on_update
        self.queue: list[QueueItem] = []
        self.currently_running: dict[int, QueueItem] = {}
        self.history: dict[str, dict] = {}
        self.flags: dict[str, Any] = {}
        self.task_counter = 0
        self._wakeup = asyncio.Event()

    def put(self, item: QueueItem) -> None:
        heapq.heappush(self.queue, item)
        self.on_update()
        self._wakeup.set()

    async def get(self, timeout: float | None = None) -> tuple[QueueItem, int] | None:
        while len(self.queue) == 0:
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout)
            if timeout is not None and len(self.queue) == 0:
                return None
        item = heapq.heappop(self.queue)
        item_id = self.task_counter
        self.currently_running[item_id] = copy.deepcopy(item)
        self.task_counter += 1
        self.on_update()
        return item, item_id

    def task_done(
        self,
        item_id: int,
        history_result: dict,
        status: dict | None,
        process_item: Callable[[QueueItem], QueueItem] | None = None,
    ) -> None:
        prompt = self.currently_running.pop(item_id)
        if len(self.history) > MAXIMUM_HISTORY_SIZE:
            self.history.pop(next(iter(self.history)))
        if process_item is not None:
            prompt = process_item(prompt)
        self.history[prompt[1]] = {"prompt": prompt, "outputs": {}, "status": copy.deepcopy(status)}
        self.history[prompt[1]].update(history_result)
        self.on_update()

    def get_current_queue(self) -> tuple[list[QueueItem], list[QueueItem]]:
        return list(self.currently_running.values()), copy.copy(self.queue)

    def get_tasks_remaining(self) -> int:
        return len(self.queue) + len(self.currently_running)

    def wipe_queue(self) -> None:
        self.queue = []
        self.on_update()

    def delete_queue_item(self, matches: Callable[[QueueItem], bool]) -> bool:
        for index in range(len(self.queue)):
            if matches(self.queue[index]):
                if len(self.queue) == 1:
                    self.wipe_queue()  # and a second status below, as the real server sends two here
                else:
                    self.queue.pop(index)
                    heapq.heapify(self.queue)
                self.on_update()
                return True
        return False

    def get_history(self, prompt_id: str | None = None, max_items: int | None = None, offset: int = -1) -> dict:
        if prompt_id is None:
            out = {}
            if offset < 0 and max_items is not None:
                offset = len(self.history) - max_items
            for i, key in enumerate(self.history):
                if i >= offset:
                    out[key] = self.history[key]
                    if max_items is not None and len(out) >= max_items:
                        break
            return out
        if prompt_id in self.history:
            return {prompt_id: copy.deepcopy(self.history[prompt_id])}
        return {}

    def wipe_history(self) -> None:
        self.history = {}

    def delete_history_item(self, prompt_id: str) -> None:
        self.history.pop(prompt_id, None)

    def set_flag(self, name: str, data: Any) -> None:
        self.flags[name] = data
        self._wakeup.set()  # wakes an idle worker, which then applies the flags

    def get_flags(self) -> dict[str, Any]:
        flags, self.flags = self.flags, {}
        return flags
