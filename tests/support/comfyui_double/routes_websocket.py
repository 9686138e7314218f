"""GET /ws: status on connect, the reconnect 'executing' hint, and the feature_flags handshake."""

from __future__ import annotations

import json
import logging
import uuid

import aiohttp
from aiohttp import web

from .double_server import DoubleServer, server_features

log = logging.getLogger("comfyui_double")


def add_websocket_route(routes: web.RouteTableDef, server: DoubleServer) -> None:
    hub = server.hub

    @routes.get("/ws")
    async def websocket_handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        sid = request.rel_url.query.get("clientId", "")
        if sid:
            hub.sockets.pop(sid, None)  # the old socket stays open but gets nothing more
        else:
            sid = uuid.uuid4().hex
        hub.sockets[sid] = ws
        hub.sockets_metadata[sid] = {"feature_flags": {}}
        hub.transports[id(ws)] = request.transport
        hub.connections_total += 1
        try:
            await hub.send("status", {"status": server.queue_info(), "sid": sid}, sid)
            if hub.client_id == sid and hub.last_node_id is not None:
                await hub.send("executing", {"node": hub.last_node_id}, sid)
            first_message = True
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.ERROR:
                    log.warning("ws connection closed with exception %s", ws.exception())
                elif msg.type == aiohttp.WSMsgType.TEXT:
                    try:
                        data = json.loads(msg.data)
                        if first_message and data.get("type") == "feature_flags":
                            hub.sockets_metadata[sid]["feature_flags"] = data.get("data", {})
                            await hub.send("feature_flags", server_features(), sid)
                        first_message = False
                    except json.JSONDecodeError:
                        log.warning("Invalid JSON received from client %s: %s", sid, msg.data)
                    except Exception as e:
                        log.error("Error processing WebSocket message: %s", e)
        finally:
            # Keyed by sid: a stale socket closing late also unregisters its successor, as in ComfyUI.
            hub.sockets.pop(sid, None)
            hub.sockets_metadata.pop(sid, None)
            hub.transports.pop(id(ws), None)
        return ws
