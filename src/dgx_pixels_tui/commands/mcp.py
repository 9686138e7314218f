"""`dgx-pixels mcp`: an MCP server on stdio for coding assistants (docs/mcp.md)."""

from __future__ import annotations

import argparse


def main(args: argparse.Namespace) -> int:
    from ..mcp_server.server import serve  # the MCP SDK loads only for this command

    return serve(args)
