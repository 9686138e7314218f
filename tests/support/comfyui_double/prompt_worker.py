"""The one worker that takes prompts off the queue and runs them (main.prompt_worker in ComfyUI).

Flags set by POST /free wake an idle worker; a busy one applies them after its current prompt.
"""

from __future__ import annotations

import time

from .executor import PromptExecutor
from .prompt_queue import PromptQueue
from .server_stats import ServerStats
from .websocket_hub import SocketHub

GC_COLLECT_INTERVAL = 10.0


def _without_sensitive(item: tuple) -> tuple:
    return item[:5] + item[6:]


async def prompt_worker(queue: PromptQueue, executor: PromptExecutor, hub: SocketHub, stats: ServerStats) -> None:
    last_gc_collect = 0.0
    need_gc = False
    current_time = 0.0
    while True:
        timeout = 1000.0
        if need_gc:
            timeout = max(GC_COLLECT_INTERVAL - (current_time - last_gc_collect), 0.0)
        queue_item = await queue.get(timeout=timeout)
        if queue_item is not None:
            item, item_id = queue_item
            prompt_id = item[1]
            hub.last_prompt_id = prompt_id
            extra_data = {**item[3], **item[5]}
            stats.run_started(prompt_id, item[0])
            await executor.execute(item[2], prompt_id, extra_data, item[4])
            need_gc = True
            status = {
                "status_str": "success" if executor.success else "error",
                "completed": executor.success,
                "messages": executor.status_messages,
            }
            queue.task_done(item_id, executor.history_result, status=status, process_item=_without_sensitive)
            if hub.client_id is not None:
                hub.send_sync("executing", {"node": None, "prompt_id": prompt_id}, hub.client_id)
            current_time = time.perf_counter()
            stats.run_finished(executor.status_messages[-1][0] if executor.status_messages else "")

        flags = queue.get_flags()
        free_memory = flags.get("free_memory", False)
        if flags.get("unload_models", free_memory):
            need_gc = True
            last_gc_collect = 0.0
        if free_memory:
            executor.reset()
            need_gc = True
            last_gc_collect = 0.0
        if need_gc:
            current_time = time.perf_counter()
            if current_time - last_gc_collect > GC_COLLECT_INTERVAL:
                last_gc_collect = current_time
                need_gc = False
