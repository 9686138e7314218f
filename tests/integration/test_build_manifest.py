"""`dgx-pixels build` from a game's assets.toml against a real worker: every kind of asset made, a rebuild with
nothing to do, a change rebuilt alone, --check and --dry-run, and the lock that records it all."""

import asyncio
import contextlib
import hashlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from tests.support.cli import dgx
from tests.support.worker_process import paced_config

MANIFEST = """
[project]
bevy = "game"

[defaults]
palette = "db32"

[templates.boss]
prompt = "{prompt}, huge boss, front view"
size = "48x48"
category = "bosses"

[assets.knight]
template = "character"
prompt = "red knight"
frames = 4
motion = "walk"

[assets.potion]
template = "item"
prompt = "blue potion"
count = 3

[assets.gems]
template = "item"
prompt = "ruby gem"
count = 4
sheet = true
columns = 2

[assets.grass]
template = "tile"
prompt = "grass"

[assets.spark]
template = "effect"
prompt = "ice crystal"
size = "24x24"

[assets.dragon]
template = "boss"
prompt = "green dragon"
seed = 42
post = "grid,background,outline"

[assets.slime]
prompt = "green slime"
size = "32x32"
palette = "colours.hex"
category = "monsters/small"
"""

HEADER = MANIFEST.split("[assets.knight]")[0]  # the project, defaults and templates, without assets
PALETTE = "#1a1c2c\n#5d275d\n#b13e53\n#ef7d57\n#ffcd75\n#a7f070\n#38b764\n#257179\n"


def studio(tmp_path: Path, manifest: str = MANIFEST) -> Path:
    """A game repository: the manifest, a palette file beside it, and a Bevy project under game/."""
    repo = tmp_path / "repo"
    (repo / "game").mkdir(parents=True)
    (repo / "game" / "Cargo.toml").write_text("[package]\nname = 'game'\n")
    (repo / "colours.hex").write_text(PALETTE)
    (repo / "assets.toml").write_text(manifest)
    return repo / "assets.toml"


def build(manifest: Path, *args: str, env: dict[str, str], timeout: float = 120):
    return dgx("build", "-f", str(manifest), *args, env=env, timeout=timeout)


def sprites(manifest: Path) -> Path:
    return manifest.parent / "game" / "assets" / "sprites"


def job_count(worker) -> int:
    async def count() -> int:
        async with worker.client() as client:
            return len((await client.jobs()).jobs)

    return asyncio.run(count())


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder`: its bytes and modification time, to tell what a build touched."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def size_of(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def test_a_manifest_with_every_kind_of_asset_is_built_into_the_bevy_project(worker, tmp_path):
    manifest = studio(tmp_path)
    env = worker.cli_env()
    result = build(manifest, "--json", env=env)
    assert result.returncode == 0, result.stderr
    made = json.loads(result.stdout)["made"]
    assert sorted(made) == ["dragon", "gems", "grass", "knight", "potion", "slime", "spark"]
    root = sprites(manifest)

    # An animation lands as its sheet with the frame run of its motion, a GIF and an APNG.
    assert size_of(root / "characters/knight.png") == (4 * 64, 64)
    knight_layout = json.loads((root / "characters/knight.layout.json").read_text())
    assert knight_layout["animations"] == {"walk": {"first": 0, "last": 3, "fps": 10}}
    assert (root / "characters/knight.gif").is_file() and (root / "characters/knight.apng").is_file()
    # Several images are numbered; as a sheet they are one PNG with its grid.
    assert [size_of(root / f"items/potion-{n}.png") for n in (1, 2, 3)] == [(32, 32)] * 3
    gems_layout = json.loads((root / "items/gems.layout.json").read_text())
    assert (gems_layout["columns"], gems_layout["rows"], len(gems_layout["frames"])) == (2, 2, 4)
    assert size_of(root / "items/gems.png") == (64, 64)
    assert size_of(root / "tiles/grass.png") == (32, 32)
    assert size_of(root / "effects/spark.png") == (24, 24)
    assert size_of(root / "bosses/dragon.png") == (48, 48)
    # A palette file beside the manifest locks the sprite to exactly its colours.
    with Image.open(root / "monsters/small/slime.png") as slime:
        pixels = np.asarray(slime.convert("RGBA")).reshape(-1, 4)
    colours = {f"#{r:02x}{g:02x}{b:02x}" for r, g, b, a in pixels.tolist() if a}
    assert colours and colours <= set(PALETTE.split())

    # The Bevy manifest says where each came from, as `export --bevy` writes it.
    bevy = json.loads((root / "manifest.json").read_text())["sprites"]
    assert bevy["characters/knight.png"]["kind"] == "animation"
    assert bevy["items/gems.png"]["kind"] == "sheet"
    assert bevy["tiles/grass.png"]["tile"] is True
    assert bevy["bosses/dragon.png"]["source"]["prompt"] == "green dragon, huge boss, front view"
    assert bevy["bosses/dragon.png"]["source"]["seed"] == 42

    # The lock records what each output was made from, and the hash of each file.
    lock = json.loads((manifest.parent / "assets.lock.json").read_text())
    assert lock["queued"] == {}
    dragon = lock["assets"]["dragon"]
    assert dragon["seeds"] == [42] and dragon["model"] == "procedural" and dragon["backend"] == "procedural"
    assert dragon["worker_version"] and dragon["job"] and dragon["images"] == [f"{dragon['job']}-0"]
    assert dragon["inputs"]["post"] == "grid,background,outline" and dragon["inputs"]["palette"] == "db32"
    for entry in lock["assets"].values():
        for relative, digest in entry["outputs"].items():
            assert hashlib.sha256((manifest.parent / "game" / relative).read_bytes()).hexdigest() == digest
    assert set(lock["assets"]["potion"]["outputs"]) == {f"assets/sprites/items/potion-{n}.png" for n in (1, 2, 3)}
    # A seed is chosen from the asset's name when none is given, so the next build asks for the same one.
    assert lock["assets"]["potion"]["seeds"] == [lock["assets"]["potion"]["inputs"]["seed"] + n for n in range(3)]


def test_a_rebuild_with_nothing_changed_does_nothing_and_a_change_rebuilds_only_its_assets(worker, tmp_path):
    manifest = studio(tmp_path)
    env = worker.cli_env()
    assert build(manifest, env=env).returncode == 0
    jobs, before = job_count(worker), snapshot(manifest.parent)

    again = build(manifest, env=env)
    assert again.returncode == 0, again.stderr
    assert "nothing to do" in again.stdout
    assert job_count(worker) == jobs and snapshot(manifest.parent) == before

    # One prompt changes, and the palette file the slime is locked to: those two, and only those, are stale.
    manifest.write_text(MANIFEST.replace('prompt = "blue potion"', 'prompt = "red potion"'))
    (manifest.parent / "colours.hex").write_text(PALETTE.replace("#1a1c2c", "#000000"))
    dry = build(manifest, "--dry-run", env=env)
    assert dry.returncode == 0
    assert dry.stdout.splitlines() == [
        "make potion: changed (prompt changed)",
        "make slime: changed (palette_file changed)",
        "2 to make, 5 up to date",
    ]
    assert job_count(worker) == jobs  # a dry run queues nothing

    rebuilt = build(manifest, "--json", env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert sorted(json.loads(rebuilt.stdout)["made"]) == ["potion", "slime"]
    assert job_count(worker) == jobs + 2
    after = snapshot(manifest.parent)
    changed = {path for path in after if after[path] != before.get(path)}
    assert changed == {
        "assets.lock.json",
        "assets.toml",
        "colours.hex",
        "game/assets/sprites/manifest.json",
        "game/assets/sprites/items/potion-1.png",
        "game/assets/sprites/items/potion-2.png",
        "game/assets/sprites/items/potion-3.png",
        "game/assets/sprites/monsters/small/slime.png",
    }
    lock = json.loads((manifest.parent / "assets.lock.json").read_text())
    assert lock["assets"]["potion"]["inputs"]["prompt"].startswith("red potion")


def test_check_fails_on_missing_or_stale_outputs_and_passes_when_up_to_date_without_a_worker(worker, tmp_path):
    manifest = studio(tmp_path)
    env = worker.cli_env()
    offline = {**env, "DGX_PIXELS_CONNECT": "tcp://127.0.0.1:9"}  # CI checks the lock with no worker at all

    first = build(manifest, "--check", "--no-spawn", "--json", env=offline)
    assert first.returncode == 1
    error = json.loads(first.stdout)["error"]
    assert error["code"] == "stale" and len(error["details"]["assets"]) == 7
    assert "Run `dgx-pixels build`" in first.stderr and "Traceback" not in first.stderr

    assert build(manifest, env=env).returncode == 0
    passed = build(manifest, "--check", "--no-spawn", env=offline)
    assert passed.returncode == 0, passed.stderr
    assert passed.stdout.strip() == "7 asset(s) up to date"

    (sprites(manifest) / "characters/knight.gif").unlink()
    missing = build(manifest, "--check", "--no-spawn", env=offline)
    assert missing.returncode == 1
    assert "knight: missing (assets/sprites/characters/knight.gif is gone)" in missing.stderr
    assert build(manifest, "knight", env=env).returncode == 0
    assert build(manifest, "--check", "--no-spawn", env=offline).returncode == 0


def test_a_sprite_edited_by_hand_is_left_alone_until_kept_or_forced(worker, tmp_path):
    manifest = studio(tmp_path)
    env = worker.cli_env()
    assert build(manifest, env=env).returncode == 0
    dragon = sprites(manifest) / "bosses/dragon.png"
    with Image.open(dragon) as image:
        touched = image.convert("RGBA")
    touched.putpixel((0, 0), (255, 0, 255, 255))
    touched.save(dragon)
    edited = dragon.read_bytes()

    check = build(manifest, "--check", env=env)
    assert check.returncode == 1 and "dragon: edited" in check.stderr and "--keep-edits" in check.stderr
    plain = build(manifest, env=env)
    assert plain.returncode == 0
    assert "left alone: dragon: edited" in plain.stderr and dragon.read_bytes() == edited

    assert build(manifest, "--keep-edits", env=env).returncode == 0
    assert build(manifest, "--check", env=env).returncode == 0
    assert dragon.read_bytes() == edited

    dry = build(manifest, "dragon", "--force", "--dry-run", env=env)
    assert dry.stdout.splitlines()[0] == "make dragon: changed (--force; was up to date)"
    forced = build(manifest, "dragon", "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    assert dragon.read_bytes() != edited


def test_a_file_the_build_did_not_make_is_never_replaced_without_force(worker, tmp_path):
    manifest = studio(tmp_path, HEADER + '[assets.coin]\nprompt = "gold coin"\n')
    mine = sprites(manifest) / "misc" / "coin.png"
    mine.parent.mkdir(parents=True)
    Image.new("RGBA", (8, 8), (9, 9, 9, 255)).save(mine)
    drawn = mine.read_bytes()
    env = worker.cli_env()

    refused = build(manifest, env=env)
    assert refused.returncode == 1
    assert "assets/sprites/misc/coin.png is already there and was not made by this build" in refused.stderr
    assert "--force" in refused.stderr and mine.read_bytes() == drawn

    # The job is kept in the lock: with --force it lands without being made again.
    jobs = job_count(worker)
    forced = build(manifest, "--force", "--json", env=env)
    assert forced.returncode == 0, forced.stderr
    assert json.loads(forced.stdout)["taken_up"] == ["coin"]
    assert job_count(worker) == jobs and mine.read_bytes() != drawn


def test_an_asset_the_worker_refuses_fails_alone_and_says_why(worker, tmp_path):
    manifest = studio(
        tmp_path,
        HEADER + '[assets.coin]\nprompt = "gold coin"\nmodel = "no-such"\n[assets.gem]\nprompt = "ruby gem"\n',
    )
    result = build(manifest, "--json", env=worker.cli_env())
    assert result.returncode == 1
    assert "coin:" in result.stderr and "dgx-pixels models" in result.stderr
    reply = json.loads(result.stdout)
    assert reply["error"]["code"] == "build_failed" and list(reply["error"]["details"]["assets"]) == ["coin"]
    assert list(reply["made"]) == ["gem"] and reply["exit"] == 1
    assert (sprites(manifest) / "misc/gem.png").is_file()
    assert "Traceback" not in result.stderr


def test_a_plain_prompt_file_is_a_manifest(worker, tmp_path):
    game = tmp_path / "game"
    game.mkdir()
    (game / "Cargo.toml").write_text("[package]\n")
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("# sprites for the first level\nGreen Slime\n\nfire sword\ngreen slime\n")
    env = worker.cli_env()
    result = build(prompts, "--bevy", str(game), env=env)
    assert result.returncode == 0, result.stderr
    made = sorted(p.name for p in (game / "assets/sprites/misc").glob("*.png"))
    assert made == ["fire-sword.png", "green-slime-2.png", "green-slime.png"]
    assert (tmp_path / "prompts.lock.json").is_file()
    assert "nothing to do" in build(prompts, "--bevy", str(game), env=env).stdout


def test_an_interrupted_build_leaves_no_half_file_and_the_next_one_takes_up_its_jobs(make_worker, tmp_path):
    worker = make_worker(config=paced_config(0.08)).start()
    assets = "".join(f'[assets.slime-{n}]\nprompt = "green slime"\ncount = 2\nseed = {n}\n' for n in range(6))
    manifest = studio(tmp_path, HEADER + assets)
    lock_path = manifest.parent / "assets.lock.json"
    env = worker.cli_env()

    def start() -> subprocess.Popen[str]:
        command = [sys.executable, "-m", "dgx_pixels_tui.cli", "build", "-f", str(manifest), "--json"]
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def lock_when(ready, process) -> dict:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                lock = json.loads(lock_path.read_text())
                if ready(lock):
                    return lock
            time.sleep(0.02)
        raise AssertionError(f"the build never got there (exit {process.poll()}): {process.communicate()[1]}")

    # Ctrl-C once every job is queued: the build stops, says what goes on, and keeps its jobs in the lock.
    first = start()
    lock_when(lambda lock: len(lock["queued"]) == 6, first)
    first.send_signal(signal.SIGINT)
    _, stderr = first.communicate(timeout=30)
    assert first.returncode == 130
    assert "interrupted: what landed stays" in stderr and "`dgx-pixels build` again takes them up" in stderr
    queued = json.loads(lock_path.read_text())["queued"]
    pending = [line for line in build(manifest, "--dry-run", env=env).stdout.splitlines() if "pending" in line]
    assert len(pending) == len(queued) > 0
    assert all("waits to land" in line for line in pending)

    # Killed outright once something landed and something is still queued.
    second = start()
    lock_when(lambda lock: lock["assets"] and lock["queued"], second)
    second.kill()
    second.wait(timeout=10)
    leftovers = [p.name for p in manifest.parent.rglob("*") if ".dgx-" in p.name]
    assert leftovers == []
    lock = json.loads(lock_path.read_text())
    for entry in lock["assets"].values():  # whatever landed is whole and is what the lock says
        for relative, digest in entry["outputs"].items():
            path = manifest.parent / "game" / relative
            assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
            with Image.open(path) as image:
                image.load()

    last = start()
    stdout, stderr = last.communicate(timeout=120)
    assert last.returncode == 0, stderr
    report = json.loads(stdout)
    assert set(report["made"]) | set(lock["assets"]) == {f"slime-{n}" for n in range(6)}
    assert report["taken_up"]  # the jobs the interrupted builds queued were used, not queued again
    assert job_count(worker) == 6
    assert build(manifest, "--check", env=env).returncode == 0


def test_fewer_images_than_before_take_their_files_and_manifest_entries_away(worker, tmp_path):
    manifest = studio(tmp_path, HEADER + '[assets.potion]\nprompt = "blue potion"\ncount = 3\ncategory = "items"\n')
    env = worker.cli_env()
    assert build(manifest, env=env).returncode == 0
    manifest.write_text(manifest.read_text().replace("count = 3", "count = 2"))
    assert build(manifest, env=env).returncode == 0
    root = sprites(manifest)
    assert sorted(p.name for p in (root / "items").iterdir()) == ["potion-1.png", "potion-2.png"]
    assert sorted(json.loads((root / "manifest.json").read_text())["sprites"]) == [
        "items/potion-1.png",
        "items/potion-2.png",
    ]


def test_an_asset_taken_out_of_the_manifest_is_stale_until_a_build_removes_its_files(worker, tmp_path):
    two = HEADER + '[assets.coin]\nprompt = "gold coin"\n[assets.gem]\nprompt = "ruby gem"\n'
    manifest = studio(tmp_path, two)
    env = worker.cli_env()
    assert build(manifest, env=env).returncode == 0
    coin = sprites(manifest) / "misc/coin.png"
    assert coin.is_file()

    manifest.write_text(HEADER + '[assets.gem]\nprompt = "ruby gem"\n')
    check = build(manifest, "--check", env=env)
    assert check.returncode == 1 and "coin: removed from the manifest" in check.stderr
    assert build(manifest, "--dry-run", env=env).stdout.splitlines() == [
        "remove coin: no longer in the manifest; its files go",
        "0 to make, 1 up to date, 1 to remove",
    ]
    removed = build(manifest, env=env)
    assert removed.returncode == 0 and "removed coin (no longer in the manifest)" in removed.stderr
    assert not coin.exists()
    assert list(json.loads((sprites(manifest) / "manifest.json").read_text())["sprites"]) == ["misc/gem.png"]
    assert list(json.loads((manifest.parent / "assets.lock.json").read_text())["assets"]) == ["gem"]
    assert build(manifest, "--check", env=env).returncode == 0


def test_a_queued_job_the_worker_no_longer_knows_is_queued_anew(worker, tmp_path):
    manifest = studio(tmp_path, HEADER + '[assets.coin]\nprompt = "gold coin"\n')
    env = worker.cli_env()
    assert build(manifest, env=env).returncode == 0
    lock_path = manifest.parent / "assets.lock.json"
    lock = json.loads(lock_path.read_text())
    inputs_hash = lock["assets"].pop("coin")["inputs_hash"]
    # As a worker with a fresh data directory would leave it: the lock names a job nobody has.
    lock["queued"] = {"coin": {"job": "0123456789ab", "inputs_hash": inputs_hash}}
    lock_path.write_text(json.dumps(lock))
    (sprites(manifest) / "misc/coin.png").unlink()

    result = build(manifest, "--json", env=env)
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert list(reply["made"]) == ["coin"] and reply["taken_up"] == []
    assert json.loads(lock_path.read_text())["queued"] == {}
