"""Running one prompt: ComfyUI's PromptExecutor.execute_async and execute(), with the same message stream.

Per executed node: progress_state(running) -> executing -> [node work] -> executed (output nodes) ->
progress_state(finished). A cached node sends only executed (if it has UI output) and progress_state.
Execution events go to the submitting client_id only; without one they are not sent at all, except the
broadcast ones (progress_state, progress, previews, execution_interrupted, text frames).
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from enum import Enum
from typing import Any

from .binary_frames import TEXT, UNENCODED_PREVIEW_IMAGE, PreviewImage, text_frame
from .controls import InterruptProcessingException, RuntimeControls
from .directories import ServerDirectories
from .execution_order import ExecutionList
from .loaded_models import LoadedModels
from .node_context import NodeContext, ProgressHook
from .node_inputs import get_input_data
from .node_types import NodeDef
from .output_cache import CacheEntry, OutputCache
from .progress_state import ProgressRegistry
from .validation import full_type_name
from .websocket_hub import SocketHub


class ExecutionResult(Enum):
    SUCCESS = 0
    FAILURE = 1


def format_value(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, bool, str)):
        return value
    return str(value)


class PromptExecutor:
    def __init__(
        self,
        catalog: dict[str, NodeDef],
        hub: SocketHub,
        dirs: ServerDirectories,
        controls: RuntimeControls,
        models: LoadedModels,
        previews_enabled: bool,
        per_prompt_preview_method: bool = False,
    ):
        self.catalog = catalog
        self.hub = hub
        self.dirs = dirs
        self.controls = controls
        self.models = models
        self.launch_previews = previews_enabled
        self.previews_enabled = previews_enabled
        self.per_prompt_preview_method = per_prompt_preview_method
        self.cache = OutputCache()
        self.status_messages: list[tuple[str, dict]] = []
        self.success = True
        self.history_result: dict = {}

    def reset(self) -> None:
        """POST /free {"free_memory": true}: every cached output is dropped."""
        self.cache = OutputCache()
        self.status_messages = []
        self.success = True

    def add_message(self, event: str, data: dict, broadcast: bool) -> None:
        data = {**data, "timestamp": int(time.time() * 1000)}
        self.status_messages.append((event, data))
        if self.hub.client_id is not None or broadcast:
            self.hub.send_sync(event, data, self.hub.client_id)

    def _handle_execution_error(
        self, prompt_id: str, prompt: dict, current_outputs: set, executed: set, error: dict, ex: Exception
    ) -> None:
        node_id = error["node_id"]
        message = {
            "prompt_id": prompt_id,
            "node_id": node_id,
            "node_type": prompt[node_id]["class_type"],
            "executed": list(executed),
        }
        if isinstance(ex, InterruptProcessingException):
            self.add_message("execution_interrupted", message, broadcast=True)
            return
        message.update(
            exception_message=error["exception_message"],
            exception_type=error["exception_type"],
            traceback=error["traceback"],
            current_inputs=error["current_inputs"],
            current_outputs=list(current_outputs),
        )
        self.add_message("execution_error", message, broadcast=False)

    def _is_changed(self, prompt: dict, node_id: str) -> Any:
        node = prompt[node_id]
        node_def = self.catalog[node["class_type"]]
        if node_def.is_changed is None:
            return False
        input_data, _, _ = get_input_data(node["inputs"], node_def, node_id)
        try:
            return node_def.is_changed(**{k: v[0] for k, v in input_data.items()})
        except Exception:
            return float("nan")

    async def execute(self, prompt: dict, prompt_id: str, extra_data: dict, execute_outputs: list[str]) -> None:
        self.controls.interrupt_requested = False
        self.hub.client_id = extra_data.get("client_id")
        self.previews_enabled = self.launch_previews
        if self.per_prompt_preview_method and extra_data.get("preview_method") in (
            "auto",
            "latent2rgb",
            "taesd",
            "none",
        ):
            self.previews_enabled = extra_data["preview_method"] != "none"
        self.status_messages = []
        self.add_message("execution_start", {"prompt_id": prompt_id}, broadcast=False)

        progress = ProgressRegistry(prompt_id, self.hub)
        self.cache.set_prompt(prompt, self.catalog, lambda node_id: self._is_changed(prompt, node_id))
        cached_nodes = [node_id for node_id in prompt if self.cache.get(node_id) is not None]
        self.add_message("execution_cached", {"nodes": cached_nodes, "prompt_id": prompt_id}, broadcast=False)

        executed: set[str] = set()
        run_outputs: dict[str, list] = {}
        execution_list = ExecutionList(prompt, self.catalog, lambda node_id: self.cache.get(node_id) is not None)
        current_outputs = self.cache.all_node_ids()
        for node_id in list(execute_outputs):
            execution_list.add_node(node_id)

        while not execution_list.is_empty():
            await self.controls.wait_while_stalled()
            node_id, error, ex = execution_list.stage_node_execution()
            if error is not None:
                self._handle_execution_error(prompt_id, prompt, current_outputs, executed, error, ex)
                break
            result, error, ex = await self._execute_node(
                prompt, prompt_id, node_id, extra_data, executed, run_outputs, progress
            )
            self.success = result != ExecutionResult.FAILURE
            if result == ExecutionResult.FAILURE:
                self._handle_execution_error(prompt_id, prompt, current_outputs, executed, error, ex)
                break
            execution_list.complete_node_execution()
        else:
            self.add_message("execution_success", {"prompt_id": prompt_id}, broadcast=False)

        outputs, meta = {}, {}
        for node_id in prompt:
            entry = self.cache.get(node_id)
            if entry is not None and entry.ui is not None:
                outputs[node_id] = entry.ui["output"]
                meta[node_id] = entry.ui["meta"]
        self.history_result = {"outputs": outputs, "meta": meta}
        self.hub.last_node_id = None

    def _upstream(self, run_outputs: dict[str, list]) -> Callable[[str], list | None]:
        def lookup(node_id: str) -> list | None:
            if node_id in run_outputs:
                return run_outputs[node_id]
            entry = self.cache.get(node_id)
            return entry.outputs if entry is not None else None

        return lookup

    def _progress_hook(self, prompt_id: str, node_id: str, progress: ProgressRegistry) -> ProgressHook:
        async def hook(value: int, total: int, preview: PreviewImage | None) -> None:
            self.controls.throw_if_interrupted()
            progress.update(node_id, value, total, preview)
            self.hub.send_sync(
                "progress", {"value": value, "max": total, "prompt_id": prompt_id, "node": node_id}, self.hub.client_id
            )
            if preview is not None and not self.hub.supports_feature(self.hub.client_id, "supports_preview_metadata"):
                self.hub.send_sync(UNENCODED_PREVIEW_IMAGE, preview, self.hub.client_id)

        return hook

    def _send_progress_text(self, text: str, node_id: str) -> None:
        # Nodes call send_progress_text without a sid: every socket gets it.
        self.hub.send_sync(TEXT, text_frame(node_id, text), None)

    async def _execute_node(
        self,
        prompt: dict,
        prompt_id: str,
        node_id: str,
        extra_data: dict,
        executed: set,
        run_outputs: dict[str, list],
        progress: ProgressRegistry,
    ) -> tuple[ExecutionResult, dict | None, Exception | None]:
        node = prompt[node_id]
        node_def = self.catalog[node["class_type"]]
        client_id = self.hub.client_id
        cached = self.cache.get(node_id)
        if cached is not None:
            if client_id is not None:
                cached_ui = cached.ui or {}
                self.hub.send_sync(
                    "executed",
                    {
                        "node": node_id,
                        "display_node": node_id,
                        "output": cached_ui.get("output", None),
                        "prompt_id": prompt_id,
                    },
                    client_id,
                )
            progress.finish(node_id)
            run_outputs[node_id] = cached.outputs
            return ExecutionResult.SUCCESS, None, None

        input_data_all = None
        try:
            progress.start(node_id)
            input_data_all, _, hidden = get_input_data(
                node["inputs"], node_def, node_id, self._upstream(run_outputs), prompt, extra_data
            )
            if client_id is not None:
                self.hub.last_node_id = node_id
                self.hub.send_sync(
                    "executing", {"node": node_id, "display_node": node_id, "prompt_id": prompt_id}, client_id
                )
            self.controls.throw_if_interrupted()  # nodes.before_node_execution()
            ctx = NodeContext(
                prompt_id=prompt_id,
                node_id=node_id,
                dirs=self.dirs,
                controls=self.controls,
                models=self.models,
                previews_enabled=self.previews_enabled,
                report_progress=self._progress_hook(prompt_id, node_id, progress),
                send_progress_text=self._send_progress_text,
                hidden=hidden,
            )
            output = await node_def.run(ctx, **{name: values[0] for name, values in input_data_all.items()})
            outputs = [[value] for value in output.result]
            ui_entry = None
            if output.ui:
                ui_entry = {
                    "meta": {"node_id": node_id, "display_node": node_id, "parent_node": None, "real_node_id": node_id},
                    "output": output.ui,
                }
                if client_id is not None:
                    self.hub.send_sync(
                        "executed",
                        {"node": node_id, "display_node": node_id, "output": output.ui, "prompt_id": prompt_id},
                        client_id,
                    )
            self.cache.set(node_id, CacheEntry(outputs, ui_entry))
            run_outputs[node_id] = outputs
        except InterruptProcessingException as iex:
            return ExecutionResult.FAILURE, {"node_id": node_id}, iex
        except Exception as ex:
            typ, _, tb = sys.exc_info()
            formatted = {}
            if input_data_all is not None:
                formatted = {name: [format_value(v) for v in values] for name, values in input_data_all.items()}
            return (
                ExecutionResult.FAILURE,
                {
                    "node_id": node_id,
                    "exception_message": "{}\n{}".format(ex, ""),  # no OOM tips: the message ends with a newline
                    "exception_type": full_type_name(typ),
                    "traceback": traceback.format_tb(tb),
                    "current_inputs": formatted,
                },
                ex,
            )

        progress.finish(node_id)
        executed.add(node_id)
        return ExecutionResult.SUCCESS, None, None
