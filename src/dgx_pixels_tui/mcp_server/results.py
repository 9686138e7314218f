"""What a tool answers: text, PNG image content, and errors an assistant can act on (isError and a message
saying what to do, never a traceback). The bounds on what one answer carries live here."""

from __future__ import annotations

import base64
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import ParamSpec

from mcp.types import CallToolResult, ImageContent, TextContent
from pydantic import ValidationError

from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.client.spawn import SpawnError
from dgx_pixels_worker.protocol import WorkerError, validation_text

from ..exit_codes import CommandError

MAX_IMAGES = 8  # images in one answer; the rest are named by id, for get_image
DEFAULT_MAX_PX = 512  # an image's longer side in an answer, unless asked otherwise; pixel art is smaller
LARGEST_PX = 1024  # the most a tool call may ask for
THUMB_PX = 64  # a gallery thumbnail's longer side

P = ParamSpec("P")
log = logging.getLogger(__name__)


class ToolFailure(Exception):
    """A tool call that cannot be done; the message says why and what to do."""


def answer(text: str, images: Sequence[ImageContent] = ()) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text), *images])


def failure(message: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)


def png_content(png: bytes) -> ImageContent:
    return ImageContent(type="image", data=base64.b64encode(png).decode("ascii"), mime_type="image/png")


async def image_contents(
    client: AsyncClient, image_ids: Sequence[str], max_px: int = DEFAULT_MAX_PX
) -> tuple[list[ImageContent], str]:
    """The first MAX_IMAGES images as PNG content, each shrunk to fit `max_px` (by a whole factor, so pixels stay
    square; a smaller one is sent as it is), and a line naming those left out ('' when none)."""
    shown = list(image_ids[:MAX_IMAGES])
    contents = []
    for image_id in shown:
        reply = await client.image(image_id, max_px=max_px)
        if reply.png is not None:
            contents.append(png_content(reply.png))
    left = len(image_ids) - len(shown)
    more = (
        f"{left} more image(s) not shown here (at most {MAX_IMAGES} per answer); get_image fetches each" if left else ""
    )
    return contents, more


def when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def guarded(tool: Callable[P, Awaitable[CallToolResult]]) -> Callable[P, Awaitable[CallToolResult]]:
    """The tool, with every failure turned into an error result: the worker's errors (their messages say what to
    do), refused arguments, a worker that cannot be reached or started. Anything unforeseen is logged to stderr
    with its traceback and answered in one line."""

    @functools.wraps(tool)
    async def run(*args: P.args, **kwargs: P.kwargs) -> CallToolResult:
        try:
            return await tool(*args, **kwargs)
        except (ToolFailure, SpawnError) as exc:
            return failure(str(exc))
        except (WorkerError, CommandError) as exc:
            return failure(exc.message)
        except ValidationError as exc:
            return failure(f"invalid request: {validation_text.summary(exc, most=5)}")
        except Exception as exc:
            log.exception("tool %s failed", getattr(tool, "__name__", "?"))
            return failure(
                f"{tool.__name__} failed unexpectedly ({type(exc).__name__}: {exc}); the server's log says more"
            )

    return run
