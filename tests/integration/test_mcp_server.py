"""`dgx-pixels mcp` as an assistant meets it: the real command in a subprocess, driven over stdio by the MCP SDK's
own client session, against a real worker (procedural backend)."""

import json
from collections.abc import Iterator

import pytest
from PIL import Image

from tests.support.mcp_client import call, mcp_session, pngs_of, text_of
from tests.support.worker_process import WorkerProcess, laptop_env, paced_config

TOOLS = {
    "generate_sprite",
    "job_status",
    "list_models",
    "search_gallery",
    "get_image",
    "deploy_to_bevy",
    "compare",
    "vote",
    "run_build",
}


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    process = WorkerProcess(tmp_path_factory.mktemp("mcp-worker")).start()
    yield process
    process.terminate()


async def test_an_assistant_lists_the_tools_makes_sprites_follows_finds_and_fetches_them(worker, tmp_path):
    async with mcp_session(worker.cli_env(), tmp_path / "mcp.log") as session:
        listed = (await session.list_tools()).tools
        assert {tool.name for tool in listed} == TOOLS
        for tool in listed:
            assert len(tool.description or "") > 40, tool.name
            assert tool.input_schema["type"] == "object", tool.name
        schema = next(tool for tool in listed if tool.name == "generate_sprite").input_schema
        assert schema["required"] == ["prompt"]
        assert schema["properties"]["count"]["maximum"] == 16 and schema["properties"]["size"]["description"]

        heard: list[tuple[float, str | None]] = []

        async def progress(done: float, total: float | None, message: str | None) -> None:
            heard.append((done / (total or 1.0), message))

        made = await session.call_tool(
            "generate_sprite",
            {"prompt": "amber lantern", "size": "24x24", "count": 2, "seed": 40},
            progress_callback=progress,
        )
        assert heard and heard[-1] == (1.0, "completed 100%")
        assert not made.is_error, text_of(made)
        assert [image.size for image in pngs_of(made)] == [(24, 24), (24, 24)]
        job_id = text_of(made).split()[1].rstrip(":")
        assert f"images: {job_id}-0, {job_id}-1" in text_of(made)

        status = await call(session, "job_status", job_id=job_id)
        assert not status.is_error and f"job {job_id}: completed" in text_of(status)
        assert len(pngs_of(status)) == 2

        found = await call(session, "search_gallery", query="LANTERN")
        assert f"{job_id}-0: 24x24, model procedural" in text_of(found) and "amber lantern" in text_of(found)
        assert pngs_of(found) == []  # thumbnails only when asked
        thumbs = await call(session, "search_gallery", query="lantern", thumbnails=True)
        assert len(pngs_of(thumbs)) == 2

        image = await call(session, "get_image", image_id=f"{job_id}-1", max_px=12)
        assert "seed 41" in text_of(image) and "prompt: amber lantern" in text_of(image)
        assert [png.size for png in pngs_of(image)] == [(12, 12)]  # shrunk by a whole factor to fit

        models = text_of(await call(session, "list_models"))
        assert "procedural (default): available" in models and "default model: procedural" in models

        queued = await call(session, "generate_sprite", prompt="blue potion", wait=False)
        queued_id = text_of(queued).split()[1].rstrip(":")
        assert "job_status" in text_of(queued) and pngs_of(queued) == []
        followed = await call(session, "job_status", job_id=queued_id, wait_s=30)
        assert f"job {queued_id}: completed" in text_of(followed) and len(pngs_of(followed)) == 1


async def test_deploy_to_bevy_writes_the_sprite_and_manifest_and_refuses_a_folder_without_cargo_toml(worker, tmp_path):
    game = tmp_path / "game"
    game.mkdir()
    (game / "Cargo.toml").write_text("[package]\n")
    async with mcp_session(worker.cli_env(), tmp_path / "mcp.log") as session:
        made = await call(session, "generate_sprite", prompt="green slime", size="16x16", seed=7)
        image_id = text_of(made).split("images: ")[1].split()[0]

        deployed = await call(session, "deploy_to_bevy", image=image_id, bevy_project=str(game), category="Monsters")
        assert not deployed.is_error, text_of(deployed)
        assert "assets/sprites/monsters/green-slime-7.png" in text_of(deployed)
        assert 'asset_server.load("sprites/monsters/green-slime-7.png")' in text_of(deployed)
        with Image.open(game / "assets/sprites/monsters/green-slime-7.png") as png:
            assert png.size == (16, 16)
        manifest = json.loads((game / "assets/sprites/manifest.json").read_text())
        assert manifest["sprites"]["monsters/green-slime-7.png"]["source"]["image_id"] == image_id

        not_bevy = tmp_path / "notes"
        not_bevy.mkdir()
        refused = await call(session, "deploy_to_bevy", image=image_id, bevy_project=str(not_bevy))
        assert refused.is_error and "no Cargo.toml there" in text_of(refused)
        assert not (not_bevy / "assets").exists()


async def test_compare_shows_blind_panels_and_vote_reveals_the_models(worker, tmp_path):
    async with mcp_session(worker.cli_env(), tmp_path / "mcp.log") as session:
        compared = await call(
            session, "compare", prompt="fire sword", models=["procedural", "procedural-pico8"], size="16x16", seed=3
        )
        shown = text_of(compared)
        assert not compared.is_error, shown
        assert "panel 1: image" in shown and "panel 2: image" in shown and "procedural" not in shown
        assert [png.size for png in pngs_of(compared)] == [(16, 16), (16, 16)]
        comparison_id = shown.split()[1].rstrip(":")
        assert f"comparison_id={comparison_id}" in shown

        wrong = await call(session, "vote", comparison_id=comparison_id, choice="5")
        assert wrong.is_error and "this comparison has 2 panels" in text_of(wrong)
        voted = await call(session, "vote", comparison_id=comparison_id, choice="2")
        assert not voted.is_error, text_of(voted)
        assert "procedural-pico8" in text_of(voted) and "(winner)" in text_of(voted)


async def test_a_style_frames_the_prompt_and_brings_its_defaults_and_arguments_win_over_them(worker, tmp_path):
    async with mcp_session(worker.cli_env(), tmp_path / "mcp.log") as session:
        schema = next(t for t in (await session.list_tools()).tools if t.name == "generate_sprite").input_schema
        assert "'character' (64x64" in schema["properties"]["style"]["description"]

        item = await call(session, "generate_sprite", prompt="blue potion", style="item")
        assert not item.is_error, text_of(item)
        assert "prompt: blue potion, single game item icon" in text_of(item)
        assert [png.size for png in pngs_of(item)] == [(32, 32)]  # the item template's size
        assert "category='items'" in text_of(item)

        tile = await call(session, "generate_sprite", prompt="grass", style="tile", size="16x16")
        assert "seamless tiles" in text_of(tile) and [png.size for png in pngs_of(tile)] == [(16, 16)]

        unknown = await call(session, "generate_sprite", prompt="knight", style="boss")
        assert unknown.is_error and text_of(unknown) == "unknown style 'boss'; one of: character, item, tile, effect"


async def test_errors_are_tool_results_that_say_what_to_do(worker, tmp_path):
    async with mcp_session(worker.cli_env(), tmp_path / "mcp.log") as session:
        unknown = await call(session, "generate_sprite", prompt="knight", model="nope")
        assert unknown.is_error and "unknown model 'nope'" in text_of(unknown)
        assert "dgx-pixels models" in text_of(unknown)
        for bad in ({"size": "big"}, {"count": 0}, {"prompt": "   "}):
            refused = await call(session, "generate_sprite", **{"prompt": "knight", **bad})
            assert refused.is_error and "Traceback" not in text_of(refused), bad
        assert "not WIDTHxHEIGHT" in text_of(await call(session, "generate_sprite", prompt="knight", size="big"))
        count = text_of(await call(session, "generate_sprite", prompt="knight", count=0))
        assert count.startswith("generate_sprite: count: Input should be greater than or equal to 1")
        assert "pydantic" not in count
        missing = await call(session, "get_image", image_id="ffff-0")
        assert missing.is_error and "ffff-0" in text_of(missing)


async def test_a_configuration_that_cannot_be_read_fails_each_call_until_it_is_fixed(worker, tmp_path):
    config = tmp_path / "pixels.toml"
    config.write_text("[client\n")
    async with mcp_session(worker.cli_env(), tmp_path / "mcp.log", "mcp", "--config", str(config)) as session:
        broken = await call(session, "list_models")
        assert broken.is_error and "pixels.toml" in text_of(broken)
        assert text_of(broken).endswith("; the next call reads the configuration again")
        config.write_text("[client]\ntimeout_s = 10.0\n")
        fixed = await call(session, "list_models")
        assert not fixed.is_error and "default model: procedural" in text_of(fixed)


async def test_a_job_that_outlasts_the_wait_goes_on_and_job_status_follows_it_to_its_images(tmp_path):
    slow = WorkerProcess(tmp_path / "worker", paced_config(0.05)).start()  # 8 steps: about 0.4 s an image
    try:
        async with mcp_session(slow.cli_env(), tmp_path / "mcp.log") as session:
            made = await call(session, "generate_sprite", prompt="knight", size="16x16", count=3, timeout_s=0.2)
            assert not made.is_error and pngs_of(made) == []
            job_id = text_of(made).split()[1].rstrip(":")
            assert f"not finished yet: job_status with job_id={job_id} (and wait_s) follows it" in text_of(made)
            followed = await call(session, "job_status", job_id=job_id[:6], wait_s=30)
            assert f"job {job_id}: completed" in text_of(followed) and len(pngs_of(followed)) == 3
    finally:
        slow.terminate()


async def test_a_worker_that_is_down_fails_each_call_with_how_to_start_one_and_the_server_stays_up(tmp_path):
    later = WorkerProcess(tmp_path / "worker")  # its port is free until it starts
    log = tmp_path / "mcp.log"
    try:
        async with mcp_session(later.cli_env(), log, "mcp", "--no-spawn") as session:
            for _ in range(2):
                down = await call(session, "list_models")
                assert down.is_error
                assert f"no worker answers at {later.rep}; start one with `dgx-pixels worker`" in text_of(down)
            later.start()
            up = await call(session, "list_models")
            assert not up.is_error and "default model: procedural" in text_of(up)
    finally:
        if later.process is not None:
            later.terminate()
    assert "Traceback" not in log.read_text()


async def test_through_a_tunnel_the_server_reaches_a_worker_on_another_machine(tmp_path):
    gpu_box = WorkerProcess(tmp_path / "gpu-box").start()
    try:
        laptop = laptop_env(gpu_box, tmp_path)
        async with mcp_session(laptop, tmp_path / "mcp.log", "tunnel", "me@gpu-box", "mcp") as session:
            made = await call(session, "generate_sprite", prompt="ruby gem", size="16x16")
            assert not made.is_error, text_of(made)
            assert [png.size for png in pngs_of(made)] == [(16, 16)]
    finally:
        gpu_box.terminate()
    assert "through me@gpu-box" in (tmp_path / "mcp.log").read_text()
