"""`dgx-pixels palettes`: importing a palette file people share into the owner's palette folder, listing the
worker's library (the `palettes` request), and generating with the imported palette by its name."""

import json

import numpy as np
from PIL import Image

from tests.support.cli import dgx

SWEETIE = ["#1a1c2c", "#5d275d", "#b13e53", "#ef7d57"]


def strip_png(path, colours, cell=8):
    pixels = np.zeros((cell, cell * len(colours), 4), np.uint8)
    for i, colour in enumerate(colours):
        pixels[:, i * cell : (i + 1) * cell] = [int(colour[k : k + 2], 16) for k in (1, 3, 5)] + [255]
    Image.fromarray(pixels, "RGBA").save(path)


def colours_of(path):
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGBA")).reshape(-1, 4)
    return {"#" + "".join(f"{int(v):02x}" for v in p[:3]) for p in pixels if p[3]}


def test_an_imported_png_strip_is_listed_and_a_generation_uses_it_by_name(worker, tmp_path):
    env = worker.cli_env()
    strip = tmp_path / "sweetie.png"
    strip_png(strip, SWEETIE)
    result = dgx("palettes", "import", str(strip), "--json", env=env)
    assert result.returncode == 0, result.stderr
    imported = json.loads(result.stdout)
    assert imported["name"] == "sweetie" and imported["colors"] == SWEETIE
    assert imported["path"].endswith("dgx-pixels/palettes/sweetie.hex")

    listed = dgx("palettes", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    palettes = {p["name"]: p for p in json.loads(listed.stdout)["palettes"]}
    assert palettes["sweetie"]["colors"] == SWEETIE and palettes["sweetie"]["shipped"] is False
    assert len(palettes["pico8"]["colors"]) == 16 and palettes["pico8"]["shipped"] is True
    text = dgx("palettes", env=env)
    assert text.returncode == 0 and "sweetie" in text.stdout and "pico8" in text.stdout

    out = tmp_path / "out"
    made = dgx(
        "generate", "knight", "--seed", "3", "--size", "32x32", "--post", "palette:sweetie", "--out", str(out), env=env
    )
    assert made.returncode == 0, made.stderr
    colours = colours_of(made.stdout.split()[0])
    assert colours and colours <= set(SWEETIE)


def test_import_refuses_a_bad_file_and_a_name_that_exists_unless_forced(worker, tmp_path):
    env = worker.cli_env()
    bad = tmp_path / "bad.gpl"
    bad.write_text("GIMP Palette\nnot a colour\n")
    result = dgx("palettes", "import", str(bad), env=env)
    assert result.returncode == 2
    assert "line 2" in result.stderr and "Traceback" not in result.stderr
    missing = dgx("palettes", "--json", "import", str(tmp_path / "missing.pal"), env=env)
    assert missing.returncode == 2 and json.loads(missing.stdout)["exit"] == 2
    assert "not found" in missing.stderr

    hex_file = tmp_path / "duo.hex"
    hex_file.write_text("000000\r\nffffff\r\n")
    assert dgx("palettes", "import", str(hex_file), env=env).returncode == 0
    again = dgx("palettes", "import", str(hex_file), env=env)
    assert again.returncode == 2 and "--force" in again.stderr
    shipped = dgx("palettes", "import", str(hex_file), "--name", "pico8", env=env)
    assert shipped.returncode == 2 and "shipped" in shipped.stderr
    jasc = tmp_path / "duo.pal"
    jasc.write_text("JASC-PAL\r\n0100\r\n2\r\n255 0 0\r\n0 0 255\r\n")
    forced = dgx("palettes", "import", str(jasc), "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    palettes = {p["name"]: p for p in json.loads(dgx("palettes", "--json", env=env).stdout)["palettes"]}
    assert palettes["duo"]["colors"] == ["#ff0000", "#0000ff"]
    named = dgx("palettes", "import", str(hex_file), "--name", "../escape", env=env)
    assert named.returncode == 2 and "not a palette name" in named.stderr
