"""SpritePreview: a Textual widget that shows a sprite as half-block cells.

Inside the Textual screen previews are ALWAYS half-blocks, whatever terminal we run in. Textual composites
widgets as cells of text and repaints regions at will; sixel or kitty images written into that stream would be
overdrawn, left behind after scrolling or resizing, or shifted by the compositor's cursor moves, and they do not
survive tmux. So in "sixel" and "kitty" modes the widget still draws half-blocks, and additionally offers the
encoded escape sequence (`graphics_sequence`) for a full-size "open image" view that suspends the app and writes
straight to the terminal with `previews.graphics.write_graphics`.

An animation (a sheet of `frames` equal frames, left to right) plays at `fps` while the widget is on the
screen shown, and holds still otherwise; a tile is shown repeated 3 x 3, so a seam at its edges shows.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rich.segment import Segment
from textual.app import ScreenStackError
from textual.dom import NoScreen
from textual.geometry import Size
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from .detect import PreviewMode

if TYPE_CHECKING:  # numpy and Pillow load with the first image, not with the app's first frame
    import numpy as np
    from textual.screen import Screen

    from .halfblock import Backdrop
    from .scaling import ImageLike

PLACEHOLDER = "no image yet"
FRAMES_PER_SECOND = 8.0


class SpritePreview(Widget):
    """Shows `image` integer-scaled and centred; strips are cached per (image, frame, size, background)."""

    DEFAULT_CSS = """
    SpritePreview {
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(
        self,
        image: ImageLike | None = None,
        *,
        mode: PreviewMode = "halfblock",
        checkerboard: bool = False,
        placeholder: str = PLACEHOLDER,
        fps: float = FRAMES_PER_SECOND,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.mode: PreviewMode = mode
        self.checkerboard = checkerboard
        self.placeholder = placeholder
        self.fps = fps
        self._image: ImageLike | None = None
        self._shown: list[np.ndarray] = []  # the pictures to step through: one, or an animation's frames
        self._frame = 0
        self._tile = False
        self._playing = True
        self._timer: Timer | None = None
        self._timer_running = False
        self._mounted = False  # from on_mount: Textual's is_mounted turns true only after its handlers ran
        self._pixels: np.ndarray | None = None  # the picture shown now
        self._generation = 0
        self._cache_key: tuple[object, ...] | None = None
        self._strips: dict[int, list[Strip]] = {}  # by frame, for the size and background of `_cache_key`
        self._sequences: dict[tuple[int, int, tuple[int, int] | None], str] = {}
        self.image = image

    @property
    def image(self) -> ImageLike | None:
        """The image as given (an animation's whole sheet); setting one shows it as a still."""
        return self._image

    @image.setter
    def image(self, image: ImageLike | None) -> None:
        self.set_image(image)

    @property
    def frames(self) -> int:
        """How many frames the preview steps through (1 for a still)."""
        return len(self._shown)

    @property
    def frame(self) -> int:
        """The frame shown now, from 0."""
        return self._frame

    @property
    def tile(self) -> bool:
        return self._tile

    @property
    def playing(self) -> bool:
        return self._playing

    def set_image(self, image: ImageLike | None, *, frames: int = 1, tile: bool = False) -> None:
        """Show `image`: a sheet of `frames` frames left to right plays; a `tile` is repeated 3 x 3."""
        old_shape = None if self._pixels is None else self._pixels.shape
        self._image = image
        self._tile = tile
        if image is None:
            self._shown = []
        else:
            from .frames import shown_frames
            from .scaling import to_rgba_array

            self._shown = shown_frames(to_rgba_array(image), frames, tile)
        self._frame = 0
        self._pixels = self._shown[0] if self._shown else None
        self._generation += 1
        self._sequences.clear()
        new_shape = None if self._pixels is None else self._pixels.shape
        # A new size matters to `width: auto` / `height: auto` layouts; a new frame of the same size does not.
        self.refresh(layout=new_shape != old_shape)
        self._set_timer()

    def show(self, data: bytes, *, frames: int = 1, tile: bool = False) -> bool:
        """Show an encoded image (PNG, JPEG, anything Pillow opens); empty or undecodable data clears the preview.
        `frames` and `tile` as for `set_image`. Returns whether an image is now shown.
        """
        from PIL import Image

        try:
            with Image.open(io.BytesIO(data)) as opened:
                self.set_image(opened.convert("RGBA"), frames=frames, tile=tile)
        except (OSError, ValueError, Image.DecompressionBombError):
            self.image = None
            return False
        return True

    def show_frame(self, index: int) -> None:
        """Show frame `index` (counted round: one past the last is the first)."""
        if not self._shown:
            return
        self._frame = index % len(self._shown)
        self._pixels = self._shown[self._frame]
        self.refresh()

    def pause(self) -> None:
        """Hold the frame shown now (tests and snapshots hold one, so every run draws the same)."""
        self._playing = False
        self._set_timer()

    def play(self) -> None:
        self._playing = True
        self._set_timer()

    @property
    def stepping(self) -> bool:
        """Whether the playback timer runs now: not for a still, nor while paused or on a screen not shown."""
        return self._timer is not None and self._timer_running

    def on_mount(self) -> None:
        # Screens change without telling their widgets: the app's signal pauses the timer of a hidden screen's
        # preview and resumes it when the screen is shown again.
        self.app.screen_change_signal.subscribe(self, self._screen_changed)
        self._mounted = True
        self._set_timer()

    def on_unmount(self) -> None:
        self._mounted = False
        self._set_timer()

    def _screen_changed(self, screen: Screen[object]) -> None:
        self._set_timer()

    def _in_view(self) -> bool:
        """Whether the widget's screen is the one shown, or lies under a dialog on it."""
        try:
            screen, top = self.screen, self.app.screen
        except (NoScreen, ScreenStackError):  # unmounted, or the app is closing
            return False
        return screen is top or (top.is_modal and screen.is_current)

    def _set_timer(self) -> None:
        """A timer exists only while there is an animation to play (a still costs nothing), and runs only while
        its screen is shown."""
        wanted = self._playing and len(self._shown) > 1 and self._mounted and self.fps > 0
        if wanted and self._timer is None:
            self._timer = self.set_interval(1 / self.fps, self._step)
            self._timer_running = True
        elif not wanted and self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._timer is not None and self._timer_running != self._in_view():
            self._timer_running = not self._timer_running
            (self._timer.resume if self._timer_running else self._timer.pause)()

    def _step(self) -> None:
        # Scrolled away or display off: no step and no repaint until it shows again.
        if self.is_on_screen and self._in_view():
            self.show_frame(self._frame + 1)

    def graphics_sequence(self, box: tuple[int, int] | None = None) -> str | None:
        """The sixel/kitty escape sequence for the full-size view, or None in half-block mode or without an image."""
        if self._pixels is None or self.mode == "halfblock":
            return None
        from .graphics import encode_graphics

        key = (self._generation, self._frame, box)
        if key not in self._sequences:
            self._sequences[key] = encode_graphics(self._pixels, self.mode, box)
        return self._sequences[key]

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return len(self.placeholder) if self._pixels is None else self._pixels.shape[1]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 if self._pixels is None else -(-self._pixels.shape[0] // 2)

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        strips = self._picture(width, height)
        return strips[y] if 0 <= y < len(strips) else Strip.blank(width, self.rich_style)

    def _backdrop(self) -> Backdrop:
        from .halfblock import Backdrop

        background = self.background_colors[1]
        if not self.checkerboard:
            return Backdrop(background.rgb)
        other = background.darken(0.1) if background.brightness > 0.5 else background.lighten(0.1)
        return Backdrop(background.rgb, other.rgb)

    def _picture(self, width: int, height: int) -> list[Strip]:
        if self._pixels is None:
            key: tuple[object, ...] = (self._generation, width, height, self.rich_style)
            if key != self._cache_key:
                self._strips, self._cache_key = {0: self._placeholder_frame(width, height)}, key
            return self._strips[0]
        from .halfblock import render_halfblock

        backdrop = self._backdrop()
        key = (self._generation, width, height, backdrop, self.rich_style)
        if key != self._cache_key:
            self._strips, self._cache_key = {}, key
        strips = self._strips.get(self._frame)
        if strips is None:  # each frame is drawn once per size: a loop replays the cache
            strips = self._strips[self._frame] = render_halfblock(self._pixels, width, height, backdrop)
        return strips

    def _placeholder_frame(self, width: int, height: int) -> list[Strip]:
        style = self.rich_style
        blank = Strip.blank(width, style)
        strips = [blank] * height
        if height:
            text = self.placeholder[:width]
            left = (width - len(text)) // 2
            line = [Segment(" " * left, style), Segment(text, style), Segment(" " * (width - left - len(text)), style)]
            strips[height // 2] = Strip(line, width)
        return strips
