"""What a LoRA is trained on: each image one still, flattened onto white, scaled by a whole factor with nearest
neighbour (so every sprite pixel is a square block) and padded to the training size; one-colour images found."""

import io

from PIL import Image

from dgx_pixels_worker.training.images import prepared_png, visible_colours


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def sprite(width: int = 16, height: int = 16) -> Image.Image:
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.putpixel((0, 0), (200, 30, 30, 255))
    image.paste((20, 40, 220, 255), (4, 4, 12, 12))
    return image


def test_a_sprite_is_scaled_by_a_whole_factor_and_centred_on_white():
    out = Image.open(io.BytesIO(prepared_png(png(sprite(16, 16)), 1, 64))).convert("RGB")
    assert out.size == (64, 64)
    assert out.getpixel((0, 0)) == (200, 30, 30) and out.getpixel((3, 3)) == (200, 30, 30)  # a 4x4 block
    assert out.getpixel((4, 4)) == (255, 255, 255)  # transparent became white
    assert out.getpixel((16, 16)) == (20, 40, 220) and out.getpixel((47, 47)) == (20, 40, 220)
    assert len(out.getcolors()) == 3  # nothing blended: nearest neighbour only


def test_a_wide_sprite_is_padded_not_stretched():
    out = Image.open(io.BytesIO(prepared_png(png(sprite(32, 16)), 1, 64))).convert("RGB")
    assert out.getpixel((0, 15)) == (255, 255, 255)  # the padding above it
    assert out.getpixel((0, 16)) == (200, 30, 30) and out.getpixel((1, 17)) == (200, 30, 30)  # 2x2 blocks, from y 16


def test_an_animation_trains_on_its_first_frame():
    sheet = Image.new("RGBA", (32, 16), (0, 0, 0, 0))
    sheet.paste((0, 200, 0, 255), (0, 0, 16, 16))
    sheet.paste((200, 0, 200, 255), (16, 0, 32, 16))
    out = Image.open(io.BytesIO(prepared_png(png(sheet), 2, 64))).convert("RGB")
    assert {colour for _, colour in out.getcolors()} == {(0, 200, 0)}


def test_a_large_image_is_shrunk_to_fit():
    out = Image.open(io.BytesIO(prepared_png(png(sprite(128, 128)), 1, 64)))
    assert out.size == (64, 64)


def test_one_colour_is_told_apart_from_a_sprite():
    assert visible_colours(png(Image.new("RGBA", (16, 16), (9, 9, 9, 255)))) == 1
    assert visible_colours(png(Image.new("RGBA", (16, 16), (0, 0, 0, 0)))) == 1  # all transparent: all white
    assert visible_colours(png(sprite())) >= 2
