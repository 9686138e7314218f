"""Which graphics the terminal can show, decided once at start-up.

Order: an explicit override wins; under tmux/screen half-blocks (the multiplexer redraws panes from its own
cell grid, so raw graphics get lost or smeared); kitty by its environment; otherwise a Primary Device Attributes
query (ESC [ c) whose answer lists attribute 4 means sixel; anything else is half-blocks.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import termios
import time
import tty
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast, get_args

if TYPE_CHECKING:
    from .colors import DetectedColors

PreviewMode = Literal["sixel", "kitty", "halfblock"]
PREVIEW_MODES: tuple[str, ...] = get_args(PreviewMode)
PREVIEW_CHOICES: tuple[str, ...] = ("auto", *PREVIEW_MODES)

Query = Callable[[bytes, float], bytes]
"""Writes a request to the terminal and returns what came back within the timeout (b"" for nothing)."""

DA1_REQUEST = b"\x1b[c"
# Longer than the usual ~100 ms so a terminal at the far end of a slow SSH link still gets to answer.
DEFAULT_QUERY_TIMEOUT = 1.0
SIXEL_ATTRIBUTE = 4
_DA1_ANSWER = re.compile(rb"\x1b\[\?([0-9;]*)c")


@dataclass(frozen=True)
class DetectedMode:
    mode: PreviewMode
    reason: str


def da1_attributes(answer: bytes) -> tuple[int, ...] | None:
    """The attributes of an `ESC [ ? class ; attr ; ... c` answer (the class excluded), or None if absent."""
    match = _DA1_ANSWER.search(answer)
    if match is None:
        return None
    params = [int(part) for part in match.group(1).split(b";") if part]
    return tuple(params[1:])


def inside_multiplexer(env: Mapping[str, str]) -> bool:
    term = env.get("TERM", "")
    return bool(env.get("TMUX")) or term.startswith(("tmux", "screen"))


def choose_mode(
    override: str = "auto",
    env: Mapping[str, str] | None = None,
    query: Query | None = None,
    timeout: float = DEFAULT_QUERY_TIMEOUT,
) -> DetectedMode:
    """Pick the preview mode; `override` is one of auto|sixel|kitty|halfblock (ValueError otherwise)."""
    choice = override.strip().lower()
    if choice not in PREVIEW_CHOICES:
        raise ValueError(f"preview mode must be one of {', '.join(PREVIEW_CHOICES)}, not {override!r}")
    if choice != "auto":
        return DetectedMode(cast(PreviewMode, choice), "forced")  # one of PREVIEW_CHOICES, checked above
    env = os.environ if env is None else env
    if inside_multiplexer(env):
        return DetectedMode("halfblock", "inside tmux/screen: graphics do not survive the multiplexer")
    if env.get("TERM") == "xterm-kitty" or env.get("KITTY_WINDOW_ID"):
        return DetectedMode("kitty", "kitty terminal (TERM/KITTY_WINDOW_ID)")
    if query is None:
        return DetectedMode("halfblock", "terminal not queried")
    attributes = da1_attributes(query(DA1_REQUEST, timeout))
    if attributes is None:
        return DetectedMode("halfblock", f"no device attributes answer within {timeout:g}s")
    if SIXEL_ATTRIBUTE in attributes:
        return DetectedMode("sixel", "device attributes list sixel (4)")
    return DetectedMode("halfblock", "device attributes do not list sixel")


def query_tty(request: bytes, timeout: float, device: str = "/dev/tty") -> bytes:
    """Send `request` to the terminal and read its answer up to the final 'c' or `timeout` seconds.

    Returns b"" when there is no terminal. The terminal is put in raw mode (so the answer is neither echoed
    nor held for a newline) and always restored, whatever happens while waiting. Keys the user typed while
    the answer was awaited are given back to the terminal's input, for the app to read.
    """
    try:
        # O_NONBLOCK on our own descriptor: a wedged terminal makes the write fail instead of blocking.
        fd = os.open(device, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError:
        return b""
    try:
        saved = termios.tcgetattr(fd)
    except termios.error:
        os.close(fd)
        return b""
    answer = b""
    try:
        tty.setraw(fd, termios.TCSANOW)
        os.write(fd, request)
        answer = _read_answer(fd, time.monotonic() + timeout)
        return answer
    except (OSError, termios.error):
        return b""
    finally:
        # TCSANOW rather than TCSAFLUSH, which waits for output to drain and so could block. Without a whole
        # answer the rest may still come: the input is flushed so it is not typed into the app.
        try:
            termios.tcsetattr(fd, termios.TCSANOW, saved)
            if not _DA1_ANSWER.search(answer):
                termios.tcflush(fd, termios.TCIFLUSH)
        except termios.error:
            pass
        give_back(fd, typed_keys(answer))
        os.close(fd)


_TERMINAL_ANSWERS = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[P\]_^].*?(?:\x07|\x1b\\)", re.DOTALL)


def typed_keys(received: bytes) -> bytes:
    """What was read besides the terminal's answers: keys the user typed meanwhile."""
    return _TERMINAL_ANSWERS.sub(b"", received)


def give_back(fd: int, keys: bytes) -> None:
    """Put keys back into the terminal's input queue (TIOCSTI); where the kernel forbids it, they are lost."""
    for key in keys:
        try:
            fcntl.ioctl(fd, termios.TIOCSTI, bytes([key]))
        except OSError:
            return


def _read_answer(fd: int, deadline: float) -> bytes:
    answer = bytearray()
    while (remaining := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            break
        chunk = os.read(fd, 256)
        if not chunk:
            break
        answer += chunk
        if _DA1_ANSWER.search(answer):
            break
    return bytes(answer)


def detect_preview_mode(override: str = "auto", timeout: float = DEFAULT_QUERY_TIMEOUT) -> DetectedMode:
    """choose_mode() against this process's environment and controlling terminal."""
    return choose_mode(override, os.environ, query_tty, timeout)


def choose_terminal(
    override: str = "auto",
    colors: str = "auto",
    env: Mapping[str, str] | None = None,
    query: Query | None = None,
    timeout: float = DEFAULT_QUERY_TIMEOUT,
) -> tuple[DetectedMode, DetectedColors]:
    """The preview mode and the colour mode, with at most one round trip to the terminal: the colour probe,
    when one is wanted, goes just before the device attributes query and its answer is read with it."""
    from .colors import COLOUR_PROBE, choose_colors, probe_wanted

    env = os.environ if env is None else env
    probe = probe_wanted(colors, env) and not inside_multiplexer(env) and query is not None
    answers: list[bytes] = []

    def once(request: bytes, wait: float) -> bytes:
        if not answers:
            assert query is not None  # `once` is only handed on, or called, with a query
            answers.append(query((COLOUR_PROBE if probe else b"") + request, wait))
        return answers[0]

    mode = choose_mode(override, env, None if query is None else once, timeout)
    if probe and not answers:
        once(DA1_REQUEST, timeout)
    return mode, choose_colors(colors, env, answers[0] if answers else b"")


def detect_terminal(
    override: str = "auto", colors: str = "auto", timeout: float = DEFAULT_QUERY_TIMEOUT
) -> tuple[DetectedMode, DetectedColors]:
    """choose_terminal() against this process's environment and controlling terminal."""
    return choose_terminal(override, colors, os.environ, query_tty, timeout)
