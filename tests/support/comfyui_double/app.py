"""Assembling the aiohttp application of one simulated server and running it until killed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from aiohttp import web

from .double_server import MAX_UPLOAD_SIZE, DoubleServer
from .middleware import create_slow_http_middleware, origin_only
from .options import DoubleOptions
from .prompt_worker import prompt_worker
from .routes_double import add_double_routes
from .routes_files import add_file_routes
from .routes_info import add_info_routes
from .routes_prompt import add_prompt_routes
from .routes_websocket import add_websocket_route

READY_LINE = "comfyui-double ready on http://{host}:{port}"


def build_app(server: DoubleServer) -> web.Application:
    app = web.Application(
        client_max_size=MAX_UPLOAD_SIZE, middlewares=[create_slow_http_middleware(server.controls), origin_only]
    )
    comfy_routes = web.RouteTableDef()
    add_websocket_route(comfy_routes, server)
    add_info_routes(comfy_routes, server)
    add_file_routes(comfy_routes, server)
    add_prompt_routes(comfy_routes, server)
    # Every ComfyUI route also answers under /api, registered first as on the real server.
    api_routes = web.RouteTableDef()
    for route in comfy_routes:
        if isinstance(route, web.RouteDef):
            api_routes.route(route.method, "/api" + route.path)(route.handler, **route.kwargs)
    double_routes = web.RouteTableDef()
    add_double_routes(double_routes, server)
    app.add_routes(api_routes)
    app.add_routes(comfy_routes)
    app.add_routes(double_routes)
    return app


async def serve(options: DoubleOptions) -> None:
    server = DoubleServer.create(options)
    runner = web.AppRunner(build_app(server), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, options.host, options.port)
    await site.start()
    if options.port == 0:
        options.port = runner.addresses[0][1]
    tasks = [
        asyncio.create_task(server.hub.publish_loop()),
        asyncio.create_task(prompt_worker(server.queue, server.executor, server.hub, server.stats)),
    ]
    print(READY_LINE.format(host=options.host, port=options.port), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await runner.cleanup()


def run(options: DoubleOptions) -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(serve(options))
