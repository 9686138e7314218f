"""Queue routes: /prompt, /queue, /history, /interrupt, /free."""

from __future__ import annotations

import json
import uuid

from aiohttp import web

from .double_server import DoubleServer
from .rejections import injected_rejection
from .validation import validate_prompt

SENSITIVE_EXTRA_DATA_KEYS = ("auth_token_comfy_org", "api_key_comfy_org")


def add_prompt_routes(routes: web.RouteTableDef, server: DoubleServer) -> None:
    queue = server.queue

    @routes.get("/prompt")
    async def get_prompt(request: web.Request) -> web.Response:
        return web.json_response(server.queue_info())

    @routes.post("/prompt")
    async def post_prompt(request: web.Request) -> web.Response:
        json_data = await request.json()  # not JSON: the exception becomes aiohttp's plain-text 500
        if "number" in json_data:
            number = float(json_data["number"])
        else:
            number = server.number
            if json_data.get("front"):
                number = -number
            server.number += 1

        injected = server.controls.reject_next_prompt_with
        if injected is not None:
            server.controls.reject_next_prompt_with = None
            server.stats.prompts_rejected += 1
            return injected_rejection(injected, json_data)

        if "prompt" not in json_data:
            server.stats.prompts_rejected += 1
            error = {
                "type": "no_prompt",
                "message": "No prompt provided",
                "details": "No prompt provided",
                "extra_info": {},
            }
            return web.json_response({"error": error, "node_errors": {}}, status=400)

        prompt = json_data["prompt"]
        prompt_id = str(json_data.get("prompt_id", uuid.uuid4()))
        partial_execution_targets = (
            json_data.get("partial_execution_targets") if "partial_execution_targets" in json_data else None
        )
        valid = validate_prompt(server.catalog, prompt, partial_execution_targets)
        extra_data = json_data.get("extra_data", {})
        if "client_id" in json_data:
            extra_data["client_id"] = json_data["client_id"]
        if not valid[0]:
            server.stats.prompts_rejected += 1
            return web.json_response({"error": valid[1], "node_errors": valid[3]}, status=400)

        sensitive = {key: extra_data.pop(key) for key in SENSITIVE_EXTRA_DATA_KEYS if key in extra_data}
        queue.put((number, prompt_id, prompt, extra_data, valid[2], sensitive))
        server.stats.prompt_queued(len(queue.queue))
        return web.json_response({"prompt_id": prompt_id, "number": number, "node_errors": valid[3]})

    @routes.get("/queue")
    async def get_queue(request: web.Request) -> web.Response:
        running, pending = queue.get_current_queue()
        return web.json_response(
            {"queue_running": [item[:5] for item in running], "queue_pending": [item[:5] for item in pending]}
        )

    @routes.post("/queue")
    async def post_queue(request: web.Request) -> web.Response:
        json_data = await request.json()
        if json_data.get("clear"):
            queue.wipe_queue()
        if "delete" in json_data:
            for id_to_delete in json_data["delete"]:
                queue.delete_queue_item(lambda item, wanted=id_to_delete: item[1] == wanted)
        return web.Response(status=200)

    @routes.get("/history")
    async def get_history(request: web.Request) -> web.Response:
        max_items = request.rel_url.query.get("max_items", None)
        offset = request.rel_url.query.get("offset", None)
        return web.json_response(
            queue.get_history(
                max_items=int(max_items) if max_items is not None else None,
                offset=int(offset) if offset is not None else -1,
            )
        )

    @routes.get("/history/{prompt_id}")
    async def get_history_entry(request: web.Request) -> web.Response:
        return web.json_response(queue.get_history(prompt_id=request.match_info.get("prompt_id", None)))

    @routes.post("/history")
    async def post_history(request: web.Request) -> web.Response:
        json_data = await request.json()
        if json_data.get("clear"):
            queue.wipe_history()
        if "delete" in json_data:
            for id_to_delete in json_data["delete"]:
                queue.delete_history_item(id_to_delete)
        return web.Response(status=200)

    @routes.post("/interrupt")
    async def post_interrupt(request: web.Request) -> web.Response:
        try:
            json_data = await request.json()
        except json.JSONDecodeError:
            json_data = {}
        prompt_id = json_data.get("prompt_id")
        if prompt_id:
            running, _ = queue.get_current_queue()
            if any(item[1] == prompt_id for item in running):
                server.controls.interrupt_requested = True
        else:
            server.controls.interrupt_requested = True
        return web.Response(status=200)

    @routes.post("/free")
    async def post_free(request: web.Request) -> web.Response:
        json_data = await request.json()
        unload_models = json_data.get("unload_models", False)
        free_memory = json_data.get("free_memory", False)
        if unload_models:
            queue.set_flag("unload_models", unload_models)
        if free_memory:
            queue.set_flag("free_memory", free_memory)
        return web.Response(status=200)
