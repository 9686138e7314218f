"""Thumbnails of stored PNGs: integer factors, nearest neighbour, exact pixels."""

import io

import numpy as np
import pytest
from PIL import Image

from dgx_pixels_worker.jobs.image_files import encode_png, thumbnail_png


def _png(image):
    return encode_png(image, {"prompt": "knight"})


def _pixels(data):
    with Image.open(io.BytesIO(data)) as image:
        return image.mode, image.size, np.asarray(image)


@pytest.mark.parametrize(
    "size, max_px, factor",
    [((64, 64), 16, 4), ((64, 64), 20, 4), ((65, 50), 20, 4), ((48, 48), 16, 3), ((100, 37), 15, 7), ((64, 64), 63, 2)],
)
def test_thumbnail_shrinks_by_the_smallest_integer_factor_sampling_block_centres(size, max_px, factor):
    rng = np.random.default_rng(1)
    source = rng.integers(0, 256, (size[1], size[0], 4), dtype=np.uint8)
    mode, got_size, got = _pixels(thumbnail_png(_png(Image.fromarray(source, "RGBA")), max_px))
    width, height = size[0] // factor, size[1] // factor
    assert mode == "RGBA" and got_size == (width, height) and max(got_size) <= max_px
    assert np.array_equal(got, source[factor // 2 :: factor, factor // 2 :: factor][:height, :width])


def test_an_image_that_fits_is_returned_unchanged():
    data = _png(Image.new("RGBA", (32, 16), (1, 2, 3, 255)))
    assert thumbnail_png(data, 32) is data


def test_palette_images_keep_their_palette_and_transparency_and_thin_sides_keep_one_pixel():
    source = Image.new("P", (2048, 16))
    source.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    source.paste(1, (0, 0, 2048, 8))
    buffer = io.BytesIO()
    source.save(buffer, "PNG", transparency=0)
    data = thumbnail_png(buffer.getvalue(), 8)
    with Image.open(io.BytesIO(data)) as small:
        assert small.mode == "P" and small.size == (8, 1) and small.info.get("transparency") == 0
        assert small.getpalette()[:6] == [0, 0, 0, 255, 0, 0]
        assert np.asarray(small).tolist() == [[0] * 8]  # row 8 of 16: the middle of the short side
