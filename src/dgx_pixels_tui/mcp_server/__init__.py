"""The MCP server of `dgx-pixels mcp`: tools for coding assistants, over the worker's client library."""
