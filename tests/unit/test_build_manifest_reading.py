"""Reading assets.toml and prompt files: templates, defaults, seeds, what the inputs hash covers, and every
mistake named with where it is."""

import fcntl
import json
from pathlib import Path

import pytest

from dgx_pixels_tui.build.manifest import ManifestError, read_manifest
from dgx_pixels_tui.build.templates import SHIPPED_TEMPLATES, apply_template

from tests.support.cli import dgx


def write(tmp_path: Path, text: str, name: str = "assets.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def assets_of(tmp_path: Path, text: str) -> dict:
    return {asset.name: asset for asset in read_manifest(write(tmp_path, text)).assets}


def test_a_template_frames_the_prompt_and_the_asset_overrides_it_and_the_defaults(tmp_path):
    assets = assets_of(
        tmp_path,
        """
        [defaults]
        palette = "db16"
        size = "16x16"
        [templates.character]
        size = "48x48"
        [templates.boss]
        prompt = "{prompt}, boss"
        category = "bosses"
        [assets.hero]
        template = "character"
        prompt = "red knight"
        [assets.ogre]
        template = "boss"
        prompt = "ogre"
        size = "80x64"
        [assets.coin]
        prompt = "gold coin"
        """,
    )
    hero, ogre, coin = assets["hero"], assets["ogre"], assets["coin"]
    # A project template of a shipped name changes only what it gives: the shipped prompt stays.
    assert hero.prompt == apply_template("character", "red knight")[0]
    assert (hero.request["width"], hero.request["height"], hero.category) == (48, 48, "characters")
    assert hero.request["palette"] == "db16"
    assert (ogre.prompt, ogre.category, ogre.request["width"], ogre.request["height"]) == (
        "ogre, boss",
        "bosses",
        80,
        64,
    )
    assert (coin.prompt, coin.category, coin.request["width"]) == ("gold coin", "misc", 16)


def test_every_shipped_template_makes_an_asset():
    for style, fields in SHIPPED_TEMPLATES.items():
        prompt, rest = apply_template(style, "thing")
        assert prompt.startswith("thing, ") and "{prompt}" not in prompt
        assert rest["category"] and "prompt" not in rest
        assert fields["prompt"].count("{prompt}") == 1


def test_a_seed_comes_from_the_name_so_every_build_asks_for_the_same_one(tmp_path):
    first = assets_of(tmp_path, '[assets.slime]\nprompt = "slime"\n[assets.bat]\nprompt = "bat"\n')
    again = assets_of(tmp_path, '[assets.bat]\nprompt = "bat"\n[assets.slime]\nprompt = "slime"\n')
    assert first["slime"].request["seed"] == again["slime"].request["seed"]
    assert first["slime"].request["seed"] != first["bat"].request["seed"]
    assert first["slime"].inputs_hash == again["slime"].inputs_hash


def test_the_inputs_hash_changes_with_the_palette_file_but_not_with_other_assets(tmp_path):
    (tmp_path / "p.hex").write_text("#000000\n#ffffff\n")
    text = '[assets.a]\nprompt = "slime"\npalette = "p.hex"\n[assets.b]\nprompt = "bat"\n'
    before = assets_of(tmp_path, text)
    (tmp_path / "p.hex").write_text("#000000\n#fefefe\n")
    after = assets_of(tmp_path, text)
    assert before["a"].inputs_hash != after["a"].inputs_hash
    assert before["b"].inputs_hash == after["b"].inputs_hash
    assert before["a"].palette_file == tmp_path / "p.hex"


def test_a_prompt_file_names_each_asset_after_its_prompt(tmp_path):
    path = write(tmp_path, "# level one\nGreen Slime!\n\n  fire sword  \ngreen slime\n", "prompts.txt")
    manifest = read_manifest(path)
    assert [(a.name, a.prompt) for a in manifest.assets] == [
        ("fire-sword", "fire sword"),
        ("green-slime", "Green Slime!"),
        ("green-slime-2", "green slime"),
    ]
    assert manifest.lock_path == tmp_path / "prompts.lock.json"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[assets.a]\nprompt = 'x'\nframs = 4\n", "assets.a.frams is unknown; an asset takes template, prompt"),
        (
            "[assets.a]\nprompt = 'x'\nframes = 40\n",
            "assets.a.frames = 40: out of range; give a whole number from 1 to 16",
        ),
        ("[assets.a]\nprompt = 'x'\nmotion = 'fly'\n", "assets.a.motion = 'fly': no such motion; give idle or walk"),
        ("[assets.a]\nprompt = 'x'\nsize = 'big'\n", "assets.a.size = 'big': not a size; give WIDTHxHEIGHT"),
        ("[assets.a]\nprompt = 'x'\ncount = true\n", "assets.a.count = True: not a whole number"),
        ("[assets.a]\nprompt = 'x'\ncategory = '../up'\n", "assets.a.category = '../up': not a folder name"),
        ("[assets.a]\nprompt = 'x'\ntemplate = 'robot'\n", "no such template; there are character, item, tile, effect"),
        ("[assets.a]\nprompt = 'x'\npalette = 'gone.hex'\n", "assets.a.palette = 'gone.hex': No such file"),
        ("[assets.a]\nprompt = 'x'\ntile = true\nframes = 2\n", "assets.a: a tile is one still image"),
        ("[assets.a]\nnegative = 'x'\n", "assets.a has no prompt; say what to draw"),
        ("[assets.'Big Knight']\nprompt = 'x'\n", "asset name 'Big Knight': use lowercase letters, digits"),
        ("[assets.a]\nprompt = 'x'\ncount = 2\n[assets.a-1]\nprompt = 'y'\n", "assets a and a-1 would both write"),
        ("[asset.a]\nprompt = 'x'\n", "unknown table [asset]"),
        ("[project]\nbevy = '.'\n", "no assets: add at least one [assets.NAME]"),
        ("[assets.a\nprompt = 'x'\n", "is not valid TOML"),
        ("[project]\nlock = '../x.json'\n[assets.a]\nprompt = 'x'\n", "give a file name beside the manifest"),
    ],
)
def test_each_mistake_is_named_with_where_it_is(tmp_path, text, said):
    with pytest.raises(ManifestError) as caught:
        read_manifest(write(tmp_path, text))
    assert said in str(caught.value)


def test_the_command_reports_a_bad_manifest_and_a_second_build_with_exit_codes_and_no_traceback(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DGX_PIXELS_CONNECT": "tcp://127.0.0.1:9"}
    bad = write(tmp_path, "[assets.a]\nprompt = 'x'\nframes = 0\nmotion = 'fly'\n")
    result = dgx("build", "-f", str(bad), "--json", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    error = json.loads(result.stdout)["error"]
    assert "frames = 0" in error["message"] and "motion = 'fly'" in error["message"]
    missing = dgx("build", "-f", str(tmp_path / "nope.toml"), env=env)
    assert missing.returncode == 2 and "nope.toml does not exist" in missing.stderr
    unknown = dgx("build", "-f", str(write(tmp_path, "[assets.a]\nprompt = 'x'\n")), "b", env=env)
    assert unknown.returncode == 2 and "has no asset b; it has a" in unknown.stderr

    manifest = write(tmp_path, "[assets.a]\nprompt = 'x'\n")
    with manifest.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        busy = dgx("build", "-f", str(manifest), "--no-spawn", env=env)
    assert busy.returncode == 1 and "another build of" in busy.stderr
