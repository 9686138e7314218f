"""The double's own routes, outside ComfyUI's namespace: fault injection and introspection."""

from __future__ import annotations

import json

from aiohttp import web

from .controls import ControlError
from .double_server import DoubleServer


def add_double_routes(routes: web.RouteTableDef, server: DoubleServer) -> None:
    @routes.post("/__double/control")
    async def post_control(request: web.Request) -> web.Response:
        try:
            changes = await request.json()
        except json.JSONDecodeError:
            return web.json_response({"error": "body must be a JSON object"}, status=400)
        if not isinstance(changes, dict):
            return web.json_response({"error": "body must be a JSON object"}, status=400)
        try:
            server.controls.apply(changes)
        except ControlError as err:
            return web.json_response({"error": str(err)}, status=400)
        dropped = server.hub.drop_all() if changes.get("drop_websockets") else 0
        return web.json_response({**server.controls.snapshot(), "websockets_dropped": dropped})

    @routes.get("/__double/stats")
    async def get_stats(request: web.Request) -> web.Response:
        running, pending = server.queue.get_current_queue()
        return web.json_response(
            {
                **server.stats.snapshot(),
                "checkpoint_loads": server.models.loads,
                "checkpoint_switches": server.models.switches,
                "last_checkpoint": server.models.last_checkpoint,
                "queue_depth": len(pending),
                "running_prompt_id": running[0][1] if running else None,
                "websocket_connections": len(server.hub.sockets),
                "websocket_connections_total": server.hub.connections_total,
                "preview_sent_at": server.hub.preview_sent_at,
                "controls": server.controls.snapshot(),
                "options": {
                    "host": server.options.host,
                    "port": server.options.port,
                    "preview_method": server.options.preview_method,
                    "output_dir": str(server.dirs.output),
                    "base_dir": str(server.dirs.base),
                },
            }
        )
