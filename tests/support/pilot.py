"""Driving the Textual app in tests: the terminal size the app flows run at, and waiting for a condition."""

import time

SIZE = (140, 42)


async def until(pilot, condition, timeout=15.0, what="condition"):
    """Let the app run until `condition()` holds; fail after `timeout` seconds naming `what` was awaited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")
