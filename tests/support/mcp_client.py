"""Driving `dgx-pixels mcp` as an assistant does: the real command in a subprocess, over stdio, through the MCP
SDK's own client session."""

import base64
import io
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult, ImageContent, TextContent
from PIL import Image


@asynccontextmanager
async def mcp_session(env: dict[str, str], log: Path, *command: str) -> AsyncIterator[ClientSession]:
    """A session with `dgx-pixels mcp` (or another command line that ends in it), as an assistant starts it."""
    command = command or ("mcp",)
    server = StdioServerParameters(command=sys.executable, args=["-m", "dgx_pixels_tui.cli", *command], env=env)
    with log.open("w") as errlog:
        async with stdio_client(server, errlog=errlog) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            yield session


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def pngs_of(result: CallToolResult) -> list[Image.Image]:
    images = []
    for block in result.content:
        if isinstance(block, ImageContent):
            assert block.mime_type == "image/png"
            images.append(Image.open(io.BytesIO(base64.b64decode(block.data))))
    return images


async def call(session: ClientSession, tool: str, **arguments: object) -> CallToolResult:
    return await session.call_tool(tool, arguments)
