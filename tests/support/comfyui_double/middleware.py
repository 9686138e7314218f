"""Request middlewares: the injected HTTP delay, and ComfyUI's host/origin check (no --enable-cors-header)."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import urllib.parse
from collections.abc import Awaitable, Callable

from aiohttp import web

from .controls import RuntimeControls

log = logging.getLogger("comfyui_double")

DOUBLE_PREFIX = "/__double/"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    loopback = False
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            for _, _, _, _, sockaddr in socket.getaddrinfo(host, None, family, socket.SOCK_STREAM):
                if not ipaddress.ip_address(sockaddr[0]).is_loopback:
                    return loopback
                loopback = True
        except socket.gaierror:
            pass
    return loopback


def create_slow_http_middleware(
    controls: RuntimeControls,
) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    @web.middleware
    async def slow_http(request: web.Request, handler: Handler) -> web.StreamResponse:
        if controls.slow_http_s > 0 and not request.path.startswith(DOUBLE_PREFIX):
            await asyncio.sleep(controls.slow_http_s)
        return await handler(request)

    return slow_http


@web.middleware
async def origin_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Blocks a browser page on another origin from driving a loopback server (403, empty body)."""
    if "Host" in request.headers and "Origin" in request.headers and not request.path.startswith(DOUBLE_PREFIX):
        host_domain = request.headers["Host"].lower()
        parsed = urllib.parse.urlparse(request.headers["Origin"])
        origin_domain = parsed.netloc.lower()
        host_domain_parsed = urllib.parse.urlsplit("//" + host_domain)
        loopback = is_loopback(host_domain_parsed.hostname)
        if parsed.port is None:
            host_domain = host_domain_parsed.hostname
        if host_domain_parsed.port is None:
            origin_domain = parsed.hostname
        if loopback and host_domain and origin_domain and host_domain != origin_domain:
            log.warning(
                "WARNING: request with non matching host and origin %s != %s, returning 403", host_domain, origin_domain
            )
            return web.Response(status=403)
    if request.method == "OPTIONS":
        return web.Response()
    return await handler(request)
