"""dgx-pixels front ends: the `dgx-pixels` command line (and the Textual app)."""

from dgx_pixels_worker import __version__

__all__ = ["__version__"]
