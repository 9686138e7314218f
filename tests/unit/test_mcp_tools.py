"""The MCP server's tools in process, against a fake worker: what one answer may carry, and what an unforeseen
failure looks like to the assistant (one line) and in the server's log (the traceback)."""

import argparse
import base64
import logging
from types import SimpleNamespace

from dgx_pixels_tui.mcp_server.results import MAX_IMAGES, image_contents
from dgx_pixels_tui.mcp_server.server import build_server
from dgx_pixels_tui.mcp_server.worker_access import WorkerAccess


class FakeClient:
    def __init__(self) -> None:
        self.asked: list[tuple[str, int | None]] = []

    async def image(self, image_id: str, max_px: int | None = None) -> SimpleNamespace:
        self.asked.append((image_id, max_px))
        return SimpleNamespace(png=f"png of {image_id}".encode())


class BrokenWorker(WorkerAccess):
    async def client(self):  # type: ignore[override]
        raise RuntimeError("the socket melted")


async def test_an_answer_carries_at_most_eight_images_and_names_the_rest():
    client = FakeClient()
    ids = [f"abcd-{n}" for n in range(11)]
    contents, more = await image_contents(client, ids, max_px=96)  # type: ignore[arg-type]
    assert len(contents) == MAX_IMAGES == 8
    assert [base64.b64decode(c.data) for c in contents] == [f"png of abcd-{n}".encode() for n in range(8)]
    assert client.asked == [(f"abcd-{n}", 96) for n in range(8)]  # the rest are not even fetched
    assert more == "3 more image(s) not shown here (at most 8 per answer); get_image fetches each"
    few, none_left = await image_contents(client, ids[:2])
    assert len(few) == 2 and none_left == ""


async def test_an_unforeseen_failure_is_one_line_for_the_assistant_and_a_traceback_in_the_log(caplog):
    server = build_server(BrokenWorker(argparse.Namespace()))
    with caplog.at_level(logging.ERROR):
        result = await server.call_tool("list_models", {})
    assert result.is_error
    assert [block.text for block in result.content] == [
        "list_models failed unexpectedly (RuntimeError: the socket melted); the server's log says more"
    ]
    assert "Traceback" in caplog.text and "the socket melted" in caplog.text
