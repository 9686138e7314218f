"""Locking generations to a palette: `--palette` (a name or a file here), the configuration's project palette for
every generate and compare, and `--palette none` to step out of it for one command."""

import json

import numpy as np
from PIL import Image

from tests.support.cli import dgx

DB16_LIKE = ["#140c1c", "#442434", "#30346d", "#4e4a4e", "#854c30", "#346524", "#d04648", "#757161"]


def colours_of(path):
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGBA")).reshape(-1, 4)
    return {"#" + "".join(f"{int(v):02x}" for v in p[:3]) for p in pixels if p[3]}


def test_a_palette_file_on_this_machine_locks_the_images_to_its_colours(worker, tmp_path):
    palette = tmp_path / "game.hex"
    palette.write_text("\n".join(c.lstrip("#") for c in DB16_LIKE) + "\n")
    out = tmp_path / "out"
    made = dgx(
        "generate", "red knight", "--seed", "4", "--size", "32x32", "--palette", str(palette),
        "--out", str(out), "--json", env=worker.cli_env(),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    result = json.loads(made.stdout)
    assert result["jobs"][0]["palette"] == DB16_LIKE
    files = result["files"][result["jobs"][0]["id"]]
    assert colours_of(files[0]) <= set(DB16_LIKE)
    (image_id,) = result["jobs"][0]["images"]
    assert result["lint"][image_id]["off_palette"] == 0.0  # its quality figures count no pixel off the palette


def test_the_project_palette_locks_every_generate_and_compare_until_none_is_asked(worker, tmp_path):
    env = {**worker.cli_env(), "DGX_PIXELS_PROJECT__PALETTE": "gameboy"}
    listed = json.loads(dgx("palettes", "--json", env=env).stdout)
    gameboy = next(p["colors"] for p in listed["palettes"] if p["name"] == "gameboy")

    made = dgx("generate", "green slime", "--seed", "2", "--out", str(tmp_path / "a"), "--json", env=env)
    assert made.returncode == 0, made.stderr
    job = json.loads(made.stdout)["jobs"][0]
    assert job["palette"] == gameboy
    assert colours_of(json.loads(made.stdout)["files"][job["id"]][0]) <= set(gameboy)

    compared = dgx(
        "compare", "ruby gem", "--models", "procedural,procedural-pico8", "--seed", "5",
        "--out", str(tmp_path / "c"), "--json", env=env,
    )  # fmt: skip
    assert compared.returncode == 0, compared.stderr
    for path in json.loads(compared.stdout)["files"].values():
        assert colours_of(path) <= set(gameboy)

    free = dgx("generate", "green slime", "--seed", "2", "--palette", "none", "--out", str(tmp_path / "b"),
               "--json", env=env)  # fmt: skip
    assert free.returncode == 0, free.stderr
    assert json.loads(free.stdout)["jobs"][0]["palette"] == []


def test_an_unknown_palette_or_unreadable_file_is_refused_before_anything_is_queued(worker, tmp_path):
    env = worker.cli_env()
    unknown = dgx("generate", "knight", "--palette", "nope", "--out", str(tmp_path), env=env)
    assert unknown.returncode == 2
    assert "nope" in unknown.stderr and "pico8" in unknown.stderr and "Traceback" not in unknown.stderr
    broken = tmp_path / "broken.gpl"
    broken.write_text("GIMP Palette\nnot a colour\n")
    bad = dgx("generate", "knight", "--palette", str(broken), "--out", str(tmp_path), "--json", env=env)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "broken.gpl" in json.loads(bad.stdout)["error"]["message"]
    missing = dgx("generate", "knight", "--palette", str(tmp_path / "missing.gpl"), "--out", str(tmp_path), env=env)
    assert missing.returncode == 2 and "missing.gpl" in missing.stderr
    queue = json.loads(dgx("queue", "--json", env=env).stdout)
    assert not [job for job in queue["jobs"] if job["prompt"] == "knight"]
