"""The full-size view: one image drawn straight to the terminal while the Textual app is suspended.

It runs on the alternate screen, so the shell's screen is left as it was once the view and the app end; a kitty
image is deleted when the view closes; the caption is placed on the last row by position, never by a newline,
so an image that fills its box does not scroll the screen; a change of terminal size redraws the view; and
the screen and the image's transparent pixels take the app's background colour, not the terminal's.
"""

from __future__ import annotations

import select
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from .detect import PreviewMode
from .graphics import terminal_cells, write_graphics
from .halfblock import RGB, colour_codes
from .kitty import kitty_delete
from .scaling import ImageLike

ENTER_ALTERNATE_SCREEN = "\x1b[?1049h"
LEAVE_ALTERNATE_SCREEN = "\x1b[?1049l"
RESET = "\x1b[0m"
POLL_SECONDS = 0.1  # how soon a resize is redrawn while waiting for enter
KITTY_IMAGE_ID = 0x6478  # fixed, so whatever a crashed view left is replaced and deleted by the next one


def _rgb(colour: RGB) -> int:
    return (colour[0] << 16) | (colour[1] << 8) | colour[2]


@dataclass
class FullSizeView:
    image: ImageLike
    mode: PreviewMode
    caption: str
    background: RGB = (0, 0, 0)
    foreground: RGB = (255, 255, 255)
    color_system: str = "truecolor"

    def colours(self) -> str:
        """The SGR that sets the app's colours; with back-colour erase, clearing paints the screen with them."""
        back = colour_codes(_rgb(self.background), False, self.color_system)
        fore = colour_codes(_rgb(self.foreground), True, self.color_system)
        return f"{RESET}\x1b[{fore};{back}m"

    def draw(self, stream: TextIO, size: tuple[int, int]) -> None:
        """Clear the screen and draw the image in all rows but the last, and the caption on the last."""
        cols, rows = max(1, size[0]), max(2, size[1])
        stream.write(f"{self.colours()}\x1b[2J\x1b[H")
        if self.mode == "kitty":
            stream.write(kitty_delete(KITTY_IMAGE_ID))  # the one drawn before a resize
        write_graphics(
            self.image,
            self.mode,
            stream,
            (cols, rows - 1),
            background=self.background,
            color_system=self.color_system,
            image_id=KITTY_IMAGE_ID,
        )
        # Written one column short of the edge: a character in the last column of the last row may scroll it.
        caption = self.caption[: cols - 1]
        stream.write(f"{self.colours()}\x1b[{rows};1H\x1b[2K{caption}")
        stream.flush()

    def close(self, stream: TextIO) -> None:
        if self.mode == "kitty":
            stream.write(kitty_delete(KITTY_IMAGE_ID))
        stream.write(f"{RESET}\x1b[2J{LEAVE_ALTERNATE_SCREEN}")
        stream.flush()

    def run(
        self,
        stream: TextIO,
        keys: TextIO,
        size: Callable[[], tuple[int, int]] | None = None,
        poll: float = POLL_SECONDS,
    ) -> None:
        """Show the view until a line (enter) arrives on `keys`, redrawing when `size()` changes."""
        size_now = size or (lambda: terminal_cells(stream))
        stream.write(ENTER_ALTERNATE_SCREEN)
        try:
            drawn = size_now()
            self.draw(stream, drawn)
            while not _line_waiting(keys, poll):
                if (current := size_now()) != drawn:
                    drawn = current
                    self.draw(stream, drawn)
            keys.readline()
        finally:
            self.close(stream)


def _line_waiting(keys: TextIO, timeout: float) -> bool:
    """Whether `keys` has input (a whole line, in the terminal's line mode) within `timeout` seconds."""
    try:
        ready, _, _ = select.select([keys], [], [], timeout)
    except (OSError, ValueError):
        return True  # not a selectable stream: fall back to a blocking read
    return bool(ready)
