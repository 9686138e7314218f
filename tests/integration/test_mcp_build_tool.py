"""run_build through `dgx-pixels mcp`, as an assistant calls it: check, dry run, a build into a Bevy project, and
the same answers as `dgx-pixels build` gives."""

import json

from tests.support.mcp_client import call, mcp_session, text_of

MANIFEST = """
[project]
bevy = "game"

[assets.hero]
template = "character"
prompt = "red knight"
size = "32x32"

[assets.potion]
template = "item"
prompt = "blue potion"
count = 2
"""


async def test_run_build_checks_lists_and_builds_a_manifest_and_says_what_is_wrong(worker, tmp_path):
    (tmp_path / "game").mkdir()
    (tmp_path / "game" / "Cargo.toml").write_text("[package]\n")
    manifest = tmp_path / "assets.toml"
    manifest.write_text(MANIFEST)
    async with mcp_session(worker.cli_env(), tmp_path / "mcp.log") as session:
        tool = next(t for t in (await session.list_tools()).tools if t.name == "run_build")
        assert tool.input_schema["required"] == ["manifest"]
        assert tool.input_schema["properties"]["mode"]["enum"] == ["build", "check", "dry_run"]

        check = await call(session, "run_build", manifest=str(manifest), mode="check")
        assert not check.is_error
        assert text_of(check).splitlines() == [
            "hero: new",
            "potion: new",
            "2 of 2 missing or stale; run_build makes them",
        ]
        dry = await call(session, "run_build", manifest=str(manifest), mode="dry_run", assets=["potion"])
        assert text_of(dry).splitlines() == ["potion: new", "1 to make, 0 up to date"]

        built = await call(session, "run_build", manifest=str(manifest))
        assert not built.is_error, text_of(built)
        assert text_of(built).splitlines() == [
            "made hero: assets/sprites/characters/hero.png",
            "made potion: assets/sprites/items/potion-1.png, assets/sprites/items/potion-2.png",
        ]
        lock = json.loads((tmp_path / "assets.lock.json").read_text())
        assert sorted(lock["assets"]) == ["hero", "potion"] and lock["queued"] == {}
        again = await call(session, "run_build", manifest=str(manifest))
        assert text_of(again) == "nothing to do: 2 asset(s) up to date"
        assert text_of(await call(session, "run_build", manifest=str(manifest), mode="check")) == (
            "all 2 asset(s) up to date"
        )

        manifest.write_text(MANIFEST + '[assets.bad]\nprompt = "x"\nframes = 99\n')
        refused = await call(session, "run_build", manifest=str(manifest))
        assert refused.is_error and "assets.bad.frames = 99: out of range" in text_of(refused)
        missing = await call(session, "run_build", manifest=str(tmp_path / "nope.toml"))
        assert missing.is_error and "nope.toml does not exist" in text_of(missing)
