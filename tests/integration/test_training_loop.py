"""The training loop against the ComfyUI double, through a real worker: gallery images and an upload make a
dataset, a training job trains a LoRA with ComfyUI's own nodes, the new preset renders, an evaluation round makes
blind comparisons against the base with shared seeds, votes on them, and the leaderboard says how it fares."""

import asyncio
import contextlib
import hashlib
import json
import time
import urllib.request

import pytest
from PIL import Image

from dgx_pixels_worker.protocol import messages as m
from dgx_pixels_worker.protocol.errors import WorkerError

from tests.integration.test_comfyui_backend import BASE, PIXEL_LORA, wait_until_usable, worker_config
from tests.integration.test_compare_and_votes import finished
from tests.support.comfyui_double.process import ComfyUIDouble
from tests.support.comfyui_rig import comfyui_rig
from tests.support.requests import finished_job
from tests.support.sprite_images import png_bytes, square_sprite
from tests.support.worker_process import WorkerProcess

PRESET = "sdxl-pixel-art"


@pytest.fixture
def rig(tmp_path):
    """(a ComfyUI double, a worker driving it); both killed after the test."""
    with comfyui_rig(tmp_path) as pair:
        yield pair


def sprite_png(colour=(30, 160, 60)) -> bytes:
    return png_bytes(square_sprite(colour))


def flat_png() -> bytes:
    return png_bytes(Image.new("RGBA", (16, 16), (90, 90, 90, 255)))


def history_graphs(gpu):
    with urllib.request.urlopen(f"{gpu.url}/history", timeout=5) as response:
        return [entry["prompt"][2] for entry in json.loads(response.read()).values()]


def trainings(gpu):
    return [g for g in history_graphs(gpu) if any(n["class_type"] == "TrainLoraNode" for n in g.values())]


async def knights(client, count=3):
    job = await client.generate(
        "pixel knight", model=PRESET, width=64, height=64, steps=2, count=count, seed=1, tags=["knights"]
    )
    done = await finished_job(client, job.id)
    assert done.state is m.JobState.COMPLETED, done.error
    return done.images


async def test_dataset_to_training_to_preset_to_evaluation_to_votes_to_the_leaderboard(rig):
    gpu, worker = rig
    async with worker.client() as client:
        await wait_until_usable(client, PRESET)
        gallery = await knights(client)
        upload = await client.upload(sprite_png())
        assert upload.image.startswith("upload:") and (upload.width, upload.height) == (16, 16)
        assert (worker.data_dir / "uploads" / (upload.image.removeprefix("upload:") + ".png")).is_file()
        sketch = m.DatasetItem(image=upload.image, caption="a green knight sketch")
        review = await client.dataset(images=[sketch], query="tag:knights")
        assert review.problems == []
        assert {item.image for item in review.items} == {upload.image, *gallery}
        assert {item.caption for item in review.items} == {"a green knight sketch", "pixel knight"}

        job = await client.train(
            "knight-style", PRESET, images=[sketch], query="tag:knights", steps=4, rank=4, size=64, seed=9
        )
        assert job.kind == "training" and job.training.images == 4 and job.training.name == "knight-style"
        assert job.model == PRESET
        done = await finished_job(client, job.id, timeout=60)
        assert done.state is m.JobState.COMPLETED, done.error

        models = {model.name: model for model in await client.models()}
        assert models["knight-style"].available, models["knight-style"].reason
        [trained] = await client.trained()
        assert trained.name == "knight-style" and trained.base == PRESET and trained.checkpoint == BASE
        assert (trained.steps, trained.rank, trained.seed, trained.size) == (4, 4, 9, 64)
        assert {(e.image, e.caption) for e in trained.dataset} == {
            (upload.image, "a green knight sketch"),
            *((image, "pixel knight") for image in gallery),
        }
        kept = worker.data_dir / trained.file
        assert hashlib.sha256(kept.read_bytes()).hexdigest() == trained.sha256
        assert (gpu.root / "output" / "loras" / trained.lora).read_bytes() == kept.read_bytes()
        assert Image.open(worker.data_dir / trained.loss_png).size[0] > 100
        provenance = json.loads((kept.parent / "knight-style.json").read_text())
        assert provenance["job_id"] == job.id and len(provenance["dataset"]) == 4
        with pytest.raises(WorkerError) as again:
            await client.retry(job.id)
        assert again.value.code == "invalid" and "train start NEW-NAME --like knight-style" in again.value.message

        # the new preset renders with the base's checkpoint and the new LoRA
        sprite = await client.generate("pixel knight", model="knight-style", width=64, height=64, steps=2, seed=4)
        assert (await finished_job(client, sprite.id)).state is m.JobState.COMPLETED
        loras = [n["inputs"]["lora_name"] for n in history_graphs(gpu)[-1].values() if n["class_type"] == "LoraLoader"]
        assert trained.lora in loras

        comparisons = await client.evaluate("knight-style", rounds=3, seed=50)
        assert len(comparisons) == 3
        assert [c.seed for c in comparisons] == [50, 51, 52]
        for comparison in comparisons:
            assert sorted(p.model for p in comparison.panels) == sorted(["knight-style", PRESET])
        for comparison in comparisons:
            current = await finished(client, comparison)
            assert current.state is m.JobState.COMPLETED
            winner = next(p.panel for p in current.panels if p.model == "knight-style")
            await client.vote(comparison.id, "win", winner)

        board = await client.leaderboard(rounds=20)
        [versus] = board.versus
        assert (versus.model, versus.base, versus.wins, versus.losses, versus.games) == (
            "knight-style",
            PRESET,
            3,
            0,
            3,
        )
        assert versus.win_rate == 1.0 and versus.ci_low is not None and versus.ci_low < 0.5
        assert versus.verdict == "undecided"  # three votes are not enough to say
        [again] = await client.trained("knight-style")
        assert again.evaluation.wins == 3


async def test_bad_datasets_and_names_are_refused_with_what_to_do(rig):
    gpu, worker = rig
    async with worker.client() as client:
        await wait_until_usable(client, PRESET)
        with pytest.raises(WorkerError) as empty:
            await client.train("empty-style", PRESET, query="tag:nothing-has-this")
        assert empty.value.code == "invalid" and "the dataset is empty" in empty.value.message

        flat = await client.upload(flat_png())
        good = await client.upload(sprite_png())
        items = [m.DatasetItem(image=flat.image, caption="grey"), m.DatasetItem(image=good.image, caption="ok")]
        review = await client.dataset(images=items)
        assert [item.problem is None for item in review.items] == [False, True]
        with pytest.raises(WorkerError) as one_colour:
            await client.train("grey-style", PRESET, images=items)
        assert "single colour" in one_colour.value.message and flat.image in one_colour.value.message

        with pytest.raises(WorkerError) as taken:
            await client.train(PRESET, PRESET, images=items[1:])
        assert taken.value.code == "invalid" and "taken" in taken.value.message

        with pytest.raises(WorkerError) as unknown:
            await client.train("x-style", "no-such-preset", images=items[1:])
        assert unknown.value.code == "unknown_model" and PRESET in unknown.value.message

        with pytest.raises(WorkerError) as missing:  # its checkpoint is not installed on this server
            await client.train("y-style", "pixel-art-diffusion-xl", images=items[1:])
        assert missing.value.code == "unknown_model" and "not installed" in missing.value.message

        with pytest.raises(WorkerError) as not_an_image:
            await client.upload(b"not a picture")
        assert not_an_image.value.code == "invalid" and not_an_image.value.details["field"] == "png"
        assert "send a PNG, JPEG, GIF or WebP file" in not_an_image.value.message
    assert trainings(gpu) == []


async def dataset_of_uploads(client, count=3):
    colours = [(200, 40, 40), (40, 200, 40), (40, 40, 200), (200, 200, 40)]
    items = []
    for index in range(count):
        upload = await client.upload(sprite_png(colours[index % len(colours)]))
        items.append(m.DatasetItem(image=upload.image, caption=f"slime number {index}"))
    return items


async def stage_of(client, job_id, wanted, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = await client.job(job_id)
        if wanted in job.stage:
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} never reached {wanted!r}: {job.stage!r} ({job.state})")


async def test_a_training_holds_its_server_says_it_has_no_steps_and_survives_a_worker_restart(rig):
    gpu, worker = rig
    gpu.control(step_time=0.1)  # 30 steps: 3 s of training, with no progress message from ComfyUI
    async with worker.client() as client:
        await wait_until_usable(client, PRESET)
        items = await dataset_of_uploads(client)
        job = await client.train("slime-style", PRESET, images=items, steps=30, rank=4, size=64, seed=3)
        sprite = await client.generate("pixel slime", model=PRESET, width=64, height=64, steps=2)
        training = await stage_of(client, job.id, "training")
        assert "no step progress" in training.stage and training.total == 0
        assert (await client.job(sprite.id)).state is m.JobState.QUEUED  # the server is the training's alone
    worker.kill()
    worker.start()
    async with worker.client() as client:
        done = await finished_job(client, job.id, timeout=60)
        assert done.state is m.JobState.COMPLETED, done.error
        painted = await finished_job(client, sprite.id)
        assert painted.started_at >= done.finished_at - 0.5
        [trained] = await client.trained()
        assert trained.job_id == job.id
        assert trained.duration_s >= 30 * 0.1 - 0.1  # from the submission, across the restart: what estimates learn
        # a second training is estimated from the first
        again = await client.train("slime-style-2", PRESET, images=items, steps=30, rank=4, size=64)
        assert again.training.estimate_s is not None and again.training.estimate_s > 0
        await client.cancel(again.id)
    assert len(trainings(gpu)) == 1  # reattached after the restart: trained once


async def test_cancel_stops_a_training_at_once_and_leaves_no_preset(rig):
    gpu, worker = rig
    gpu.control(step_time=0.1)
    async with worker.client() as client:
        await wait_until_usable(client, PRESET)
        job = await client.train("gone-style", PRESET, images=await dataset_of_uploads(client), steps=30, size=64)
        await stage_of(client, job.id, "training")
        began = time.monotonic()
        await client.cancel(job.id)
        done = await finished_job(client, job.id)
        assert done.state is m.JobState.CANCELLED
        assert time.monotonic() - began < 10
        assert await client.trained() == []
        assert "gone-style" not in {model.name for model in await client.models()}


async def test_a_comfyui_restart_mid_training_trains_again_and_ends_once(rig):
    gpu, worker = rig
    gpu.control(step_time=0.1)
    async with worker.client() as client:
        await wait_until_usable(client, PRESET)
        job = await client.train("phoenix-style", PRESET, images=await dataset_of_uploads(client), steps=20, size=64)
        await stage_of(client, job.id, "training")
        gpu.restart()
        gpu.control(step_time=0.02)
        done = await finished_job(client, job.id, timeout=60)
        assert done.state is m.JobState.COMPLETED, done.error
        assert done.attempts == 2
        [trained] = await client.trained()
        assert trained.name == "phoenix-style"


async def test_the_winners_of_my_votes_for_a_tag_make_a_dataset(rig):
    _, worker = rig
    async with worker.client() as client:
        await wait_until_usable(client, PRESET)
        chosen = []
        for prompt, tag in (("pixel knight", "knights"), ("pixel tree", "trees")):
            made = await client.compare(prompt, [PRESET, "sdxl-base"], width=64, height=64, steps=2, tags=[tag])
            done = await finished(client, made)
            winner = done.panels[1]
            await client.vote(done.id, "win", winner.panel)
            chosen.append(winner.image_id)
        knights = await client.dataset(winners="knights")
        assert [item.image for item in knights.items] == chosen[:1]
        assert knights.items[0].caption == "pixel knight" and knights.problems == []
        every = await client.dataset(winners="")
        assert [item.image for item in every.items] == chosen
    async with worker.client_as("bob") as bob:
        assert (await bob.dataset(winners="")).items == []  # bob has not voted


async def test_a_server_set_to_fp32_trains_in_fp32(tmp_path):
    with comfyui_rig(tmp_path, 'training_dtype = "fp32"\n') as (gpu, worker):
        async with worker.client() as client:
            await wait_until_usable(client, PRESET)
            job = await client.train("f32-style", PRESET, images=await dataset_of_uploads(client, 2), steps=2, size=64)
            assert (await finished_job(client, job.id, timeout=60)).state is m.JobState.COMPLETED
        [graph] = trainings(gpu)
        [inputs] = [node["inputs"] for node in graph.values() if node["class_type"] == "TrainLoraNode"]
        assert (inputs["training_dtype"], inputs["lora_dtype"]) == ("fp32", "fp32")


async def test_a_comfyui_without_the_training_nodes_is_refused_with_the_update_to_make(tmp_path):
    with comfyui_rig(tmp_path, training_nodes=False, comfyui_version="0.3.40") as (gpu, worker):
        async with worker.client() as client:
            await wait_until_usable(client, PRESET)  # it still renders
            items = await dataset_of_uploads(client, 2)
            with pytest.raises(WorkerError) as refused:
                await client.train("old-style", PRESET, images=items, steps=2, size=64)
        assert refused.value.code == "unknown_model"
        assert "TrainLoraNode" in refused.value.message and "update ComfyUI on gpu1" in refused.value.message
        assert trainings(gpu) == []


async def test_a_training_goes_to_the_server_with_the_base_checkpoint(tmp_path):
    with contextlib.ExitStack() as stack:
        bare = ComfyUIDouble(tmp_path / "gpu1", checkpoints=["other.safetensors"], step_time=0.01).start()
        stack.callback(bare.kill)
        full = ComfyUIDouble(tmp_path / "gpu2", checkpoints=[BASE], loras=[PIXEL_LORA], step_time=0.01).start()
        stack.callback(full.kill)
        worker = WorkerProcess(tmp_path / "worker", config=worker_config(("gpu1", bare.url), ("gpu2", full.url)))
        stack.callback(worker.kill)
        worker.start()
        async with worker.client() as client:
            await wait_until_usable(client, PRESET)
            job = await client.train("far-style", PRESET, images=await dataset_of_uploads(client, 2), steps=2, size=64)
            done = await finished_job(client, job.id, timeout=60)
            assert done.state is m.JobState.COMPLETED and done.backend == "gpu2"
            [trained] = await client.trained()
            assert trained.server == "gpu2"
            [model] = [model for model in await client.models() if model.name == "far-style"]
            assert model.where["gpu2"] is None and "not installed on gpu1" in (model.where["gpu1"] or "")
        assert trainings(bare) == [] and len(trainings(full)) == 1
