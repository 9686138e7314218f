"""SpritePreview: a Textual widget that shows a sprite as half-block cells.

Inside the Textual screen previews are ALWAYS half-blocks, whatever terminal we run in. Textual composites
widgets as cells of text and repaints regions at will; sixel or kitty images written into that stream would be
overdrawn, left behind after scrolling or resizing, or shifted by the compositor's cursor moves, and they do not
survive tmux. So in "sixel" and "kitty" modes the widget still draws half-blocks, and additionally offers the
encoded escape sequence (`graphics_sequence`) for a full-size "open image" view that suspends the app and writes
straight to the terminal with `previews.graphics.write_graphics`.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rich.segment import Segment
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from .detect import PreviewMode

if TYPE_CHECKING:  # numpy and Pillow load with the first image, not with the app's first frame
    import numpy as np

    from .halfblock import Backdrop
    from .scaling import ImageLike

PLACEHOLDER = "no image yet"


class SpritePreview(Widget):
    """Shows `image` integer-scaled and centred; strips are cached per (image, size, background)."""

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
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.mode: PreviewMode = mode
        self.checkerboard = checkerboard
        self.placeholder = placeholder
        self._image: ImageLike | None = None
        self._pixels: np.ndarray | None = None
        self._generation = 0
        self._cache_key: tuple[object, ...] | None = None
        self._strips: list[Strip] = []
        self._sequences: dict[tuple[int, tuple[int, int] | None], str] = {}
        self.image = image

    @property
    def image(self) -> ImageLike | None:
        return self._image

    @image.setter
    def image(self, image: ImageLike | None) -> None:
        old_shape = None if self._pixels is None else self._pixels.shape
        self._image = image
        if image is None:
            self._pixels = None
        else:
            from .scaling import to_rgba_array

            self._pixels = to_rgba_array(image)
        self._generation += 1
        self._sequences.clear()
        new_shape = None if self._pixels is None else self._pixels.shape
        # A new size matters to `width: auto` / `height: auto` layouts; a new frame of the same size does not.
        self.refresh(layout=new_shape != old_shape)

    def show(self, data: bytes) -> bool:
        """Show an encoded image (PNG, JPEG, anything Pillow opens); empty or undecodable data clears the preview.

        Returns whether an image is now shown.
        """
        from PIL import Image

        try:
            with Image.open(io.BytesIO(data)) as opened:
                self.image = opened.convert("RGBA")
        except (OSError, ValueError, Image.DecompressionBombError):
            self.image = None
            return False
        return True

    def graphics_sequence(self, box: tuple[int, int] | None = None) -> str | None:
        """The sixel/kitty escape sequence for the full-size view, or None in half-block mode or without an image."""
        if self._pixels is None or self.mode == "halfblock":
            return None
        from .graphics import encode_graphics

        key = (self._generation, box)
        if key not in self._sequences:
            self._sequences[key] = encode_graphics(self._pixels, self.mode, box)
        return self._sequences[key]

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return len(self.placeholder) if self._pixels is None else self._pixels.shape[1]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 if self._pixels is None else -(-self._pixels.shape[0] // 2)

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        strips = self._frame(width, height)
        return strips[y] if 0 <= y < len(strips) else Strip.blank(width, self.rich_style)

    def _backdrop(self) -> Backdrop:
        from .halfblock import Backdrop

        background = self.background_colors[1]
        if not self.checkerboard:
            return Backdrop(background.rgb)
        other = background.darken(0.1) if background.brightness > 0.5 else background.lighten(0.1)
        return Backdrop(background.rgb, other.rgb)

    def _frame(self, width: int, height: int) -> list[Strip]:
        if self._pixels is None:
            key: tuple[object, ...] = (self._generation, width, height, self.rich_style)
            if key != self._cache_key:
                self._strips, self._cache_key = self._placeholder_frame(width, height), key
            return self._strips
        from .halfblock import render_halfblock

        backdrop = self._backdrop()
        key = (self._generation, width, height, backdrop, self.rich_style)
        if key != self._cache_key:
            self._strips, self._cache_key = render_halfblock(self._pixels, width, height, backdrop), key
        return self._strips

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
