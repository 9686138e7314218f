"""The MCP server: built from the tool modules, run on stdio.

Each tool module has `register(server, worker)`, which adds its tools; a new group of tools is one more module
named in TOOL_MODULES. stdout is the transport: while the server runs, the SDK points file descriptor 1 at
stderr and speaks on a private copy, so a stray print cannot corrupt the protocol.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable
from typing import Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, InputRequiredResult
from pydantic import ValidationError

from dgx_pixels_worker.protocol import validation_text

from .. import __version__
from ..exit_codes import EXIT_OK
from . import arena_tools, build_tools, deploy_tools, gallery_tools, generation_tools
from .results import failure
from .worker_access import WorkerAccess

Register = Callable[[MCPServer[Any], WorkerAccess], None]
TOOL_MODULES: tuple[Register, ...] = (
    generation_tools.register,
    gallery_tools.register,
    deploy_tools.register,
    arena_tools.register,
    build_tools.register,
)

INSTRUCTIONS = """\
dgx-pixels makes pixel-art sprites for games on a worker (a GPU machine running ComfyUI, or an offline procedural \
generator). generate_sprite makes sprites and returns them as images with their ids (JOB-N); deploy_to_bevy copies \
images into a Bevy project's assets/sprites with a manifest; run_build makes a game's sprites from its asset \
manifest (assets.toml), only those missing or stale. list_models names the model presets, search_gallery \
and get_image find earlier images, job_status follows a job, compare and vote judge models side by side. Errors say \
what to do, e.g. how to start a worker."""


class PixelsServer(MCPServer[Any]):
    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        """As the SDK's, with arguments the tool's schema refuses said in one line per field (the SDK's own text
        is pydantic's, with links), e.g. "generate_sprite: count: Input should be greater than or equal to 1"."""
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if not isinstance(exc.__cause__, ValidationError):
                raise
            return failure(f"{name}: {validation_text.summary(exc.__cause__, most=5)}; see the tool's input schema")


def build_server(worker: WorkerAccess) -> MCPServer[Any]:
    server = PixelsServer("dgx-pixels", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")
    for register in TOOL_MODULES:
        register(server, worker)
    return server


def serve(args: argparse.Namespace) -> int:
    """Answer MCP requests on stdin/stdout until the client closes stdin."""
    worker = WorkerAccess(args)
    server = build_server(worker)

    async def run() -> None:
        try:
            await server.run_stdio_async()
        finally:
            with anyio.CancelScope(shield=True):
                await worker.close()

    with contextlib.suppress(KeyboardInterrupt):
        anyio.run(run)
    return EXIT_OK
