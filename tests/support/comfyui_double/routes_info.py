"""Read-only server description routes: /system_stats, /features, /object_info, /extensions, frontend helpers."""

from __future__ import annotations

import logging

from aiohttp import web

from .double_server import DoubleServer, server_features
from .system_info import system_stats

log = logging.getLogger("comfyui_double")

INDEX_HTML = "<!DOCTYPE html><html><head><title>ComfyUI</title></head><body>comfyui-double</body></html>"


def add_info_routes(routes: web.RouteTableDef, server: DoubleServer) -> None:
    @routes.get("/")
    async def get_root(request: web.Request) -> web.Response:
        return web.Response(
            text=INDEX_HTML,
            content_type="text/html",
            headers={"Cache-Control": "no-cache", "Pragma": "no-cache", "Expires": "0"},
        )

    @routes.get("/system_stats")
    async def get_system_stats(request: web.Request) -> web.Response:
        return web.json_response(system_stats(server.options))

    @routes.get("/features")
    async def get_features(request: web.Request) -> web.Response:
        return web.json_response(server_features())

    @routes.get("/object_info")
    async def get_object_info(request: web.Request) -> web.Response:
        out = {}
        for name, node in server.catalog.items():
            try:
                out[name] = node.node_info()
            except Exception:
                log.exception("[ERROR] An error occurred while retrieving information for the '%s' node.", name)
        return web.json_response(out)

    @routes.get("/object_info/{node_class}")
    async def get_object_info_node(request: web.Request) -> web.Response:
        node_class = request.match_info.get("node_class", None)
        out = {}
        if node_class is not None and node_class in server.catalog:
            out[node_class] = server.catalog[node_class].node_info()
        return web.json_response(out)

    @routes.get("/extensions")
    async def get_extensions(request: web.Request) -> web.Response:
        return web.json_response([])

    # Frontend support routes; the real ones are richer, clients of the API do not use them.
    @routes.get("/settings")
    async def get_settings(request: web.Request) -> web.Response:
        return web.json_response({})

    @routes.get("/users")
    async def get_users(request: web.Request) -> web.Response:
        return web.json_response({"storage": "server", "migrated": True})

    @routes.get("/i18n")
    async def get_i18n(request: web.Request) -> web.Response:
        return web.json_response({})

    @routes.get("/workflow_templates")
    async def get_workflow_templates(request: web.Request) -> web.Response:
        return web.json_response({})
