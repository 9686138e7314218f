"""Comparisons, the result cache, votes and the leaderboard, against a real worker process over ZeroMQ."""

import asyncio
import csv
import io
import json

import pytest
from PIL import Image

from dgx_pixels_worker.client import Event
from dgx_pixels_worker.protocol import ErrorCode, JobState, WorkerError

from tests.support.cli import dgx

STYLES = ["procedural", "procedural-pico8", "procedural-gameboy"]


async def finished(client, comparison, timeout=20.0):
    for _ in range(int(timeout / 0.05)):
        comparison = await client.comparison(comparison.id)
        if comparison.state.terminal:
            return comparison
        await asyncio.sleep(0.05)
    raise AssertionError(f"comparison {comparison.id} still {comparison.state}")


async def test_a_comparison_runs_one_job_per_model_and_reports_its_progress_as_events(worker):
    async with worker.client() as client:
        stream = client.events()
        await anext(stream)
        comparison = await client.compare("red knight", STYLES, seed=11, tags=["Hero"], width=32, height=32)
        assert sorted(p.model for p in comparison.panels) == sorted(STYLES)
        assert [p.panel for p in comparison.panels] == [0, 1, 2]
        assert comparison.seed == 11 and comparison.tags == ["hero"] and not any(p.cached for p in comparison.panels)
        jobs = [await client.job(p.job_id) for p in comparison.panels]
        assert {job.seed for job in jobs} == {11} and {job.width for job in jobs} == {32}
        topics = []
        async for item in stream:
            if isinstance(item, Event) and item.topic.startswith("comparison."):
                assert item.body.comparison.id == comparison.id
                topics.append((item.topic, item.body.comparison.state))
                if item.body.comparison.state is JobState.COMPLETED:
                    break
        await stream.aclose()
        assert topics[0] == ("comparison.created", JobState.QUEUED)
        assert [t for t, _ in topics[1:]] == ["comparison.updated"] * 3  # one per panel's job ending
        done = await client.comparison(comparison.id)
        images = [(await client.image(p.image_id)).png for p in done.panels]
        assert len(set(images)) == 3  # three different styles, three different pictures


async def test_panels_are_shuffled(worker):
    async with worker.client() as client:
        orders = set()
        for seed in range(12):
            comparison = await client.compare("green slime", STYLES, seed=seed, width=16, height=16)
            orders.add(tuple(p.model for p in comparison.panels))
        assert len(orders) > 1  # twelve times the same order of three: 1 chance in 6**11


async def test_the_same_comparison_again_comes_from_the_cache_at_once(worker):
    async with worker.client() as client:
        first = await finished(client, await client.compare("ruby gem", STYLES[:2], seed=5, width=24, height=24))
        images = {p.model: p.image_id for p in first.panels}
        again = await client.compare("ruby gem", STYLES[:2], seed=5, width=24, height=24)
        assert again.state is JobState.COMPLETED and all(p.cached and p.job_id is None for p in again.panels)
        assert {p.model: p.image_id for p in again.panels} == images
        # One more model: only it is generated; the others are reused.
        mixed = await client.compare("ruby gem", STYLES, seed=5, width=24, height=24)
        assert {p.model for p in mixed.panels if not p.cached} == {"procedural-gameboy"}
        other_seed = await client.compare("ruby gem", STYLES[:2], seed=6, width=24, height=24)
        assert not any(p.cached for p in other_seed.panels)
        forced = await client.compare("ruby gem", STYLES[:2], seed=5, width=24, height=24, use_cache=False)
        assert not any(p.cached for p in forced.panels)
        upscaled = await finished(
            client, await client.compare("ruby gem", STYLES[:2], seed=5, width=24, height=24, postprocess="upscale:2")
        )
        assert not any(p.cached for p in upscaled.panels)  # other post-processing, other images
        for panel in upscaled.panels:
            assert (await client.image(panel.image_id, include_bytes=False)).image.width == 48


async def test_bad_comparisons_are_refused_with_what_to_do(worker):
    async with worker.client() as client:
        with pytest.raises(WorkerError) as bad:
            await client.compare("knight", ["procedural", "procedural"])
        assert bad.value.code == ErrorCode.INVALID and "once" in bad.value.message
        with pytest.raises(WorkerError) as bad:
            await client.compare("knight", ["procedural", "no-such-model"])
        assert bad.value.code == ErrorCode.UNKNOWN_MODEL and "available" in bad.value.message
        with pytest.raises(WorkerError) as bad:
            await client.call("compare", {"prompt": "knight", "models": ["procedural"]})  # the worker checks too
        assert bad.value.code == ErrorCode.INVALID and "models" in bad.value.message
        with pytest.raises(WorkerError) as bad:
            await client.compare("knight", STYLES[:2], width=100_000)
        assert bad.value.code == ErrorCode.INVALID and "pixels per side" in bad.value.message
        with pytest.raises(WorkerError) as bad:
            await client.comparison("feedfacecafe")
        assert bad.value.code == ErrorCode.UNKNOWN_COMPARISON


async def test_votes_are_checked_stored_and_move_the_scores(make_worker):
    worker = make_worker(None, env=None).start()
    async with worker.client_as("ada") as ada, worker.client_as("grace") as grace:
        pending = await ada.compare("fire sword", STYLES[:2], seed=1, width=16, height=16, use_cache=False)
        with pytest.raises(WorkerError) as early:
            await ada.vote(pending.id, "tie")
        assert "vote once every panel has its image" in early.value.message
        done = await finished(ada, pending)
        for outcome, winner, words in (
            ("win", None, "winning panel"),
            ("win", 2, "winning panel"),
            ("tie", 0, "names no winner"),
        ):
            with pytest.raises(WorkerError) as bad:
                await ada.vote(done.id, outcome, winner)
            assert bad.value.code == ErrorCode.INVALID and words in bad.value.message
        reply = await ada.vote(done.id, "win", 1)
        winner = done.panels[1].model
        change = {c.model: c for c in reply.changes}
        assert change[winner].before is None and change[winner].after > 1500 > change[done.panels[0].model].after
        assert reply.vote.presets == [p.model for p in done.panels] and reply.vote.user == "ada"
        with pytest.raises(WorkerError) as twice:
            await ada.vote(done.id, "tie")
        assert "has voted on comparison" in twice.value.message
        await grace.vote(done.id, "both_bad")  # another user may vote on the same comparison
        board = await ada.leaderboard()
        assert board.total_votes == 2 and board.rows[0].preset == winner
        assert board.rows[0].wins == 1 and board.rows[0].both_bad == 1
    worker.terminate()
    worker.start()  # votes survive a restart
    async with worker.client() as client:
        votes = await client.votes()
        assert [(v.user, v.outcome, v.winner) for v in votes.votes] == [("ada", "win", 1), ("grace", "both_bad", None)]
        assert (await client.leaderboard()).rows[0].preset == winner


async def test_leaderboard_by_tag(worker):
    async with worker.client(user="ada") as client:
        for seed, tag, winner in ((1, "tiles", STYLES[1]), (2, "tiles", STYLES[1]), (3, "heroes", STYLES[0])):
            comparison = await finished(
                client, await client.compare("grass tile", STYLES[:2], seed=seed, tags=[tag], width=16, height=16)
            )
            panel = next(p.panel for p in comparison.panels if p.model == winner)
            await client.vote(comparison.id, "win", panel)
        tiles = await client.leaderboard(tag="Tiles")
        assert tiles.tag == "tiles" and tiles.total_votes == 2 and tiles.rows[0].preset == STYLES[1]
        assert tiles.rows[0].wins == 2 and tiles.rows[1].losses == 2
        assert (await client.leaderboard(tag="heroes")).rows[0].preset == STYLES[0]
        overall = await client.leaderboard()
        assert overall.total_votes == 3 and dict(overall.tags) == {"tiles": 2, "heroes": 1}


def test_compare_vote_export_and_leaderboard_from_the_shell(worker, tmp_path):
    env = worker.cli_env()
    out = tmp_path / "cmp"
    result = dgx(
        "compare",
        "blue potion",
        "--models",
        "procedural,procedural-pico8",
        "--seed",
        "4",
        "--tags",
        "potions",
        "--size",
        "32x32",
        "--out",
        str(out),
        "--reveal",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    comparison_id = lines[0]
    assert len(lines) == 3 and all(line.startswith("panel ") for line in lines[1:])
    for path in out.iterdir():
        with Image.open(path) as image:
            assert image.size == (32, 32)
    assert sorted(p.name for p in out.iterdir()) == [
        "blue-potion-4-procedural-pico8.png",
        "blue-potion-4-procedural.png",
    ]
    again = dgx(
        "compare",
        "blue potion",
        "--models",
        "procedural,procedural-pico8",
        "--seed",
        "4",
        "--tags",
        "potions",
        "--size",
        "32x32",
        "--out",
        str(out),
        env=env,
    )
    assert again.stdout.count("(from the cache)") == 2
    vote = dgx("vote", comparison_id, "2", env=env)
    assert vote.returncode == 0, vote.stderr
    assert "★" in vote.stdout and "new →" in vote.stdout
    assert dgx("vote", comparison_id, "sideways", env=env).returncode == 2
    exported = dgx("votes", "export", "--format", "csv", env=env)
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert len(rows) == 1 and rows[0]["comparison_id"] == comparison_id and rows[0]["outcome"] == "win"
    assert rows[0]["winner"] == "2" and rows[0]["tags"] == "potions"  # the panel voted for, counted from 1
    assert rows[0]["winner_preset"] == rows[0]["presets"].split(";")[1]
    lines = dgx("votes", "export", "--format", "jsonl", env=env).stdout.splitlines()
    assert json.loads(lines[0])["winner_preset"] == rows[0]["winner_preset"]
    board = json.loads(dgx("leaderboard", "--json", env=env).stdout)
    assert board["rows"][0]["preset"] == rows[0]["winner_preset"] and board["total_votes"] == 1
    text = dgx("leaderboard", env=env).stdout
    assert "Leaderboard" in text and "Win rate" in text and "potions (1)" in text


async def test_the_comparisons_waiting_for_my_vote_are_mine_to_find(worker):
    async with worker.client() as client:
        first = await client.compare("red knight", STYLES[:2], seed=1, tags=["evaluation"])
        second = await client.compare("blue knight", STYLES[:2], seed=2)
        third = await client.compare("green knight", STYLES[:2], seed=3, tags=["evaluation"])
        assert [c.id for c in await client.open_comparisons()] == [first.id, second.id, third.id]  # oldest first
        await client.vote((await finished(client, first)).id, "tie")
        assert [c.id for c in await client.open_comparisons()] == [second.id, third.id]
        assert [c.id for c in await client.open_comparisons(tag="evaluation")] == [third.id]
        assert [c.id for c in await client.open_comparisons(limit=1)] == [second.id]
    async with worker.client_as("bob") as bob:
        assert len(await bob.open_comparisons()) == 3  # the owner's vote is the owner's: bob has all three to judge
