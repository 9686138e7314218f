"""`export --bevy` and `sheet` from the shell, against a real worker: files, atlas and manifest round-trip."""

import json
from pathlib import Path

from PIL import Image

from tests.support.cli import dgx


def make_job(env, tmp_path, count=3):
    result = dgx(
        "generate",
        "green slime",
        "--seed",
        "21",
        "--count",
        str(count),
        "--size",
        "24x24",
        "--json",
        "--out",
        str(tmp_path / "out"),
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["jobs"][0]


def test_export_to_bevy_round_trips_through_the_manifest(worker, tmp_path):
    env = worker.cli_env()
    job = make_job(env, tmp_path)
    game = tmp_path / "game"
    game.mkdir()
    (game / "Cargo.toml").write_text("[package]\n")
    result = dgx("export", "--bevy", str(game), "--category", "Monsters", job["id"], env=env)
    assert result.returncode == 0, result.stderr
    written = result.stdout.split()
    assert [p.rsplit("/", 2)[-2:] for p in written[:3]] == [
        ["monsters", "green-slime-21.png"],
        ["monsters", "green-slime-22.png"],
        ["monsters", "green-slime-23.png"],
    ]
    manifest = json.loads((game / "assets/sprites/manifest.json").read_text())
    for n, path in enumerate(written[:3]):
        entry = manifest["sprites"][f"monsters/green-slime-{21 + n}.png"]
        assert entry["source"]["image_id"] == job["images"][n] and entry["source"]["seed"] == 21 + n
        assert entry["source"]["prompt"] == "green slime"
        with Image.open(path) as image:
            assert image.size == (24, 24)
    again = dgx("export", "--bevy", str(game), "--category", "monsters", f"{job['id']}-0", env=env)
    # The same image again reuses its file: no green-slime-21-1.png beside it.
    assert again.returncode == 0, again.stderr
    assert again.stdout.split()[0].endswith("monsters/green-slime-21.png")
    assert not (game / "assets/sprites/monsters/green-slime-21-1.png").exists()

    sheet = dgx(
        "export",
        "--bevy",
        str(game),
        "--category",
        "monsters",
        "--sheet",
        "--name",
        "Slime Walk",
        "--columns",
        "3",
        job["id"],
        env=env,
    )
    assert sheet.returncode == 0, sheet.stderr
    png_path, layout_path = sheet.stdout.split()[:2]
    layout = json.loads(Path(layout_path).read_text())
    assert (layout["tile_size"], layout["columns"], layout["rows"]) == ([24, 24], 3, 1)
    with Image.open(png_path) as image:
        assert image.size == (72, 24)
    entry = json.loads((game / "assets/sprites/manifest.json").read_text())["sprites"]["monsters/slime-walk.png"]
    assert entry["kind"] == "sheet" and [f["seed"] for f in entry["source"]["frames"]] == [21, 22, 23]


def test_export_refuses_a_folder_that_is_no_bevy_project(worker, tmp_path):
    env = worker.cli_env()
    job = make_job(env, tmp_path, count=1)
    result = dgx("export", "--bevy", str(tmp_path / "nowhere"), job["id"], env=env)
    assert result.returncode == 2 and "no Cargo.toml" in result.stderr
    assert not (tmp_path / "nowhere").exists()
    assert dgx("export", "--bevy", str(tmp_path), "nosuchthing", env=env).returncode == 2


def test_sheet_writes_the_sheet_its_atlas_and_an_animation(worker, tmp_path):
    env = worker.cli_env()
    job = make_job(env, tmp_path)
    out = tmp_path / "sheets" / "slime.png"
    result = dgx(
        "sheet",
        job["id"],
        "--out",
        str(out),
        "--padding",
        "2",
        "--animate",
        str(tmp_path / "slime.gif"),
        "--scale",
        "2",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    atlas = json.loads(out.with_suffix(".json").read_text())
    assert atlas["columns"] == 2 and atlas["rows"] == 2 and atlas["padding"] == [2, 2]
    with Image.open(out) as sheet, Image.open(tmp_path / "out" / "green-slime-22.png") as frame:
        x, y, w, h = atlas["frames"][1]["rect"]
        assert sheet.crop((x, y, x + w, y + h)).tobytes() == frame.convert("RGBA").tobytes()
    with Image.open(tmp_path / "slime.gif") as gif:
        assert gif.n_frames == 3 and gif.size == (48, 48)
