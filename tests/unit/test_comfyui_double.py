"""The ComfyUI test double reproduces the real server's shapes and orderings
(see /work/shared/reference/comfyui-api.md).

Every test talks to a real double process over HTTP and websocket, as the worker will.
"""

from __future__ import annotations

import asyncio
import io
import json
import struct
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.support.comfyui_double import ComfyUIDouble
from tests.support.comfyui_double.image_synth import SampleRecipe, sprite_pixels, upscale_nearest

CHECKPOINTS = ["a.safetensors", "b.safetensors"]
LORAS = ["x.safetensors", "sub/y.safetensors"]
STEP_TIME = 0.02


@pytest.fixture(scope="module")
def double(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComfyUIDouble]:
    server = ComfyUIDouble(
        tmp_path_factory.mktemp("comfyui"),
        step_time=STEP_TIME,
        checkpoints=CHECKPOINTS,
        loras=LORAS,
        preview_method="latent2rgb",
    ).start()
    yield server
    server.kill()


@pytest.fixture
async def http(double: ComfyUIDouble) -> httpx.AsyncClient:
    async with httpx.AsyncClient(base_url=double.url, timeout=10) as client:
        yield client


def unique() -> str:
    return uuid.uuid4().hex[:8]


def sd_graph(
    text: str,
    *,
    seed: int = 1,
    steps: int = 3,
    ckpt: str = "a.safetensors",
    width: int = 64,
    height: int = 64,
    prefix: str = "probe",
    lora: str | None = None,
) -> dict:
    model, clip = ["4", 0], ["4", 1]
    graph = {
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": ckpt}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": width, "height": height, "batch_size": 1}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": text, "clip": clip}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": clip}},
        "3": {
            "class_type": "KSampler",
            "inputs": {
                "seed": seed,
                "steps": steps,
                "cfg": 7,
                "sampler_name": "euler",
                "scheduler": "normal",
                "denoise": 1.0,
                "model": model,
                "positive": ["6", 0],
                "negative": ["7", 0],
                "latent_image": ["5", 0],
            },
        },
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": prefix, "images": ["8", 0]}},
    }
    if lora:
        graph["10"] = {
            "class_type": "LoraLoader",
            "inputs": {
                "model": ["4", 0],
                "clip": ["4", 1],
                "lora_name": lora,
                "strength_model": 0.8,
                "strength_clip": 1.0,
            },
        }
        graph["3"]["inputs"]["model"] = ["10", 0]
        graph["6"]["inputs"]["clip"] = ["10", 1]
    return graph


def image_graph(color: int, prefix: str = "probe") -> dict:
    return {
        "1": {"class_type": "EmptyImage", "inputs": {"width": 16, "height": 16, "batch_size": 1, "color": color}},
        "2": {"class_type": "SaveImage", "inputs": {"filename_prefix": prefix, "images": ["1", 0]}},
    }


def fresh_color() -> int:
    return uuid.uuid4().int & 0xFFFFFF


async def receive(ws: ClientConnection, timeout: float = 5.0) -> dict:
    message = await asyncio.wait_for(ws.recv(), timeout)
    if isinstance(message, bytes):
        return {"type": "binary", "event": struct.unpack(">I", message[:4])[0], "payload": message[4:]}
    return json.loads(message)


async def until_done(ws: ClientConnection, prompt_id: str, timeout: float = 10.0) -> list[dict]:
    """Everything the socket gets up to and including the final executing {node: null} of prompt_id."""
    events = []
    while True:
        event = await receive(ws, timeout)
        events.append(event)
        if event["type"] == "executing" and event["data"]["node"] is None and event["data"]["prompt_id"] == prompt_id:
            return events


async def open_socket(double: ComfyUIDouble, client_id: str | None = None, flags: bool = False) -> ClientConnection:
    ws = await connect(double.ws_url(client_id), max_size=None)
    hello = await receive(ws)
    assert hello["type"] == "status" and set(hello["data"]) == {"status", "sid"}
    if flags:
        await ws.send(json.dumps({"type": "feature_flags", "data": {"supports_preview_metadata": True}}))
        reply = await receive(ws)
        assert reply == {
            "type": "feature_flags",
            "data": {"supports_preview_metadata": True, "max_upload_size": 104857600},
        }
    return ws


async def submit(http: httpx.AsyncClient, graph: dict, client_id: str | None = None, **extra: object) -> dict:
    body = {"prompt": graph, **extra}
    if client_id is not None:
        body["client_id"] = client_id
    response = await http.post("/prompt", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def wait_history(http: httpx.AsyncClient, prompt_id: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        entry = (await http.get(f"/history/{prompt_id}")).json()
        if entry:
            return entry[prompt_id]
        await asyncio.sleep(0.02)
    raise AssertionError(f"{prompt_id} never reached history")


def types(events: list[dict]) -> list[str]:
    return [e["type"] if e["type"] != "binary" else f"binary{e['event']}" for e in events]


# --- HTTP shapes -------------------------------------------------------------------------------------------


async def test_system_and_model_routes_have_the_real_shapes(http: httpx.AsyncClient) -> None:
    stats = (await http.get("/system_stats")).json()
    assert stats["system"]["comfyui_version"] == "0.3.64" and stats["system"]["os"] == "posix"
    device = stats["devices"][0]
    assert (device["name"], device["type"], device["index"]) == ("cpu", "cpu", None)
    assert device["vram_total"] == device["torch_vram_total"] == stats["system"]["ram_total"]
    assert (await http.get("/features")).json() == {"supports_preview_metadata": True, "max_upload_size": 104857600}
    folders = (await http.get("/models")).json()
    assert folders[:3] == ["checkpoints", "configs", "loras"] and len(folders) == 20
    assert (await http.get("/models/checkpoints")).json() == CHECKPOINTS
    assert (await http.get("/api/models/loras")).json() == ["sub/y.safetensors", "x.safetensors"]
    missing = await http.get("/models/nope")
    assert (missing.status_code, missing.content) == (404, b"")
    entries = (await http.get("/experiment/models/loras")).json()
    assert set(entries[0]) == {"name", "pathIndex", "modified", "created", "size"}
    assert (await http.get("/embeddings")).json() == []
    assert (await http.get("/view_metadata/checkpoints", params={"filename": "a.safetensors"})).status_code == 200
    assert (await http.get("/view_metadata/checkpoints", params={"filename": "zz.safetensors"})).status_code == 404
    assert (await http.get("/api/prompt")).json() == {"exec_info": {"queue_remaining": 0}}
    assert (await http.get("/object_info/NoSuchNode")).json() == {}


async def test_object_info_key_nodes_match_the_reference_specs(http: httpx.AsyncClient) -> None:
    info = (await http.get("/object_info")).json()
    ckpt = info["CheckpointLoaderSimple"]
    assert ckpt["input"]["required"]["ckpt_name"] == [
        CHECKPOINTS,
        {"tooltip": "The name of the checkpoint (model) to load."},
    ]
    assert ckpt["output"] == ["MODEL", "CLIP", "VAE"] and ckpt["output_node"] is False
    assert list(ckpt) == [
        "input",
        "input_order",
        "output",
        "output_is_list",
        "output_name",
        "name",
        "display_name",
        "description",
        "python_module",
        "category",
        "output_node",
        "output_tooltips",
    ]
    lora = info["LoraLoader"]["input"]["required"]
    assert lora["lora_name"][0] == ["sub/y.safetensors", "x.safetensors"]
    assert {k: lora["strength_model"][1][k] for k in ("default", "min", "max", "step")} == {
        "default": 1.0,
        "min": -100.0,
        "max": 100.0,
        "step": 0.01,
    }
    ks = info["KSampler"]["input"]["required"]
    assert ks["seed"][1]["max"] == 2**64 - 1 and ks["steps"][1]["default"] == 20 and ks["cfg"][1]["max"] == 100.0
    assert len(ks["sampler_name"][0]) == 42 and len(ks["scheduler"][0]) == 9 and ks["positive"][0] == "CONDITIONING"
    assert info["CLIPTextEncode"]["input"]["required"]["text"][1]["multiline"] is True
    width = info["EmptyLatentImage"]["input"]["required"]["width"][1]
    assert (width["min"], width["max"], width["step"]) == (16, 16384, 8)
    save = info["SaveImage"]
    assert save["input"]["hidden"] == {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}
    assert save["input"]["required"]["filename_prefix"][1]["default"] == "ComfyUI" and save["output_node"] is True
    assert save["input_order"] == {"required": ["images", "filename_prefix"], "hidden": ["prompt", "extra_pnginfo"]}
    rotation = info["ImageRotate"]["input"]["required"]["rotation"]
    assert rotation[0] == "COMBO" and rotation[1]["multiselect"] is False and "90 degrees" in rotation[1]["options"]
    assert info["OpenAIDalle3"]["api_node"] is True and info["ImageRotate"]["api_node"] is False
    assert info["EmptyImage"]["input"]["required"]["color"][1]["display"] == "color"
    assert info["ImageScale"]["input"]["required"]["upscale_method"][0][0] == "nearest-exact"


async def test_non_json_body_foreign_origin_and_interrupt_answers(
    http: httpx.AsyncClient, double: ComfyUIDouble
) -> None:
    broken = await http.post("/prompt", content=b"{not json")
    assert broken.status_code == 500
    assert broken.headers["content-type"].startswith("text/plain")
    assert broken.text == "500 Internal Server Error\n\nServer got itself in trouble"
    foreign = await http.get("/queue", headers={"Origin": "http://evil.example"})
    assert (foreign.status_code, foreign.content) == (403, b"")
    same = await http.get("/queue", headers={"Origin": double.url})
    assert same.status_code == 200
    for body in (None, {}, {"prompt_id": "not-running"}):
        answer = await http.post("/interrupt", json=body) if body is not None else await http.post("/interrupt")
        assert (answer.status_code, answer.content) == (200, b"")


# --- websocket streams ---------------------------------------------------------------------------------------


async def test_successful_run_streams_in_reference_order(http: httpx.AsyncClient, double: ComfyUIDouble) -> None:
    client = f"c-{unique()}"
    ws = await open_socket(double, client)
    try:
        queued = await submit(http, image_graph(fresh_color(), prefix=f"ok{unique()}"), client)
        assert set(queued) == {"prompt_id", "number", "node_errors"} and queued["node_errors"] == {}
        events = await until_done(ws, queued["prompt_id"])
    finally:
        await ws.close()
    assert types(events) == [
        "status",
        "status",
        "execution_start",
        "execution_cached",
        "progress_state",
        "executing",
        "progress_state",
        "progress_state",
        "executing",
        "executed",
        "progress_state",
        "execution_success",
        "status",
        "executing",
    ]
    pid = queued["prompt_id"]
    assert [e["data"]["status"]["exec_info"]["queue_remaining"] for e in events if e["type"] == "status"] == [1, 1, 0]
    assert "sid" not in events[0]["data"]
    assert events[3]["data"]["nodes"] == [] and set(events[3]["data"]) == {"nodes", "prompt_id", "timestamp"}
    assert events[5]["data"] == {"node": "1", "display_node": "1", "prompt_id": pid}
    running = events[4]["data"]["nodes"]["1"]
    assert running == {
        "value": 0.0,
        "max": 1.0,
        "state": "running",
        "node_id": "1",
        "prompt_id": pid,
        "display_node_id": "1",
        "parent_node_id": None,
        "real_node_id": "1",
    }
    assert set(events[10]["data"]["nodes"]) == {"1", "2"}  # accumulates every non-pending node
    executed = events[9]["data"]
    assert executed["node"] == "2" and executed["display_node"] == "2" and executed["prompt_id"] == pid
    [image] = executed["output"]["images"]
    assert set(image) == {"filename", "subfolder", "type"} and image["filename"].endswith("_00001_.png")
    assert events[-1]["data"] == {"node": None, "prompt_id": pid}

    entry = await wait_history(http, pid)
    assert list(entry) == ["prompt", "outputs", "status", "meta"]
    assert entry["prompt"][:2] == [queued["number"], pid] and entry["prompt"][3] == {"client_id": client}
    assert entry["prompt"][4] == ["2"]
    assert entry["outputs"] == {"2": {"images": [image]}}
    assert entry["status"]["status_str"] == "success" and entry["status"]["completed"] is True
    assert [m[0] for m in entry["status"]["messages"]] == ["execution_start", "execution_cached", "execution_success"]
    assert entry["meta"] == {"2": {"node_id": "2", "display_node": "2", "parent_node": None, "real_node_id": "2"}}
    view = await http.get("/view", params={"filename": image["filename"], "type": "output"})
    assert view.status_code == 200 and view.content[:8] == b"\x89PNG\r\n\x1a\n"


async def test_identical_rerun_is_cached_and_sends_executed_without_executing(
    http: httpx.AsyncClient, double: ComfyUIDouble
) -> None:
    client = f"c-{unique()}"
    graph = image_graph(fresh_color(), prefix=f"cache{unique()}")
    ws = await open_socket(double, client)
    try:
        first = await submit(http, graph, client)
        first_events = await until_done(ws, first["prompt_id"])
        second = await submit(http, graph, client)
        events = await until_done(ws, second["prompt_id"])
    finally:
        await ws.close()
    assert types(events) == [
        "status",
        "status",
        "execution_start",
        "execution_cached",
        "executed",
        "progress_state",
        "execution_success",
        "status",
        "executing",
    ]
    assert events[3]["data"]["nodes"] == ["1", "2"]
    first_output = next(e for e in first_events if e["type"] == "executed")["data"]["output"]
    assert events[4]["data"]["output"] == first_output  # the same file, nothing new written
    assert events[5]["data"]["nodes"]["2"]["state"] == "finished"


async def test_sampler_steps_send_legacy_previews_to_a_client_without_flags(
    http: httpx.AsyncClient, double: ComfyUIDouble
) -> None:
    client = f"c-{unique()}"
    ws = await open_socket(double, client)
    try:
        queued = await submit(http, sd_graph(f"legacy {unique()}", steps=3), client)
        events = await until_done(ws, queued["prompt_id"])
    finally:
        await ws.close()
    sampler_start = next(i for i, e in enumerate(events) if e["type"] == "executing" and e["data"]["node"] == "3")
    per_step = events[sampler_start + 1 : sampler_start + 10]
    assert types(per_step) == ["progress_state", "progress", "binary1"] * 3
    for step in range(3):
        state, progress, frame = per_step[3 * step : 3 * step + 3]
        assert state["data"]["nodes"]["3"]["value"] == step + 1 and state["data"]["nodes"]["3"]["max"] == 3
        assert progress["data"] == {"value": step + 1, "max": 3, "prompt_id": queued["prompt_id"], "node": "3"}
        assert struct.unpack(">I", frame["payload"][:4])[0] == 1  # JPEG
        assert frame["payload"][4:7] == b"\xff\xd8\xff"
        assert Image.open(io.BytesIO(frame["payload"][4:])).size == (512, 512)  # 8x8 latent fitted into 512
    assert events[sampler_start + 10]["type"] == "progress_state"
    assert events[sampler_start + 10]["data"]["nodes"]["3"]["state"] == "finished"
    assert types(events[sampler_start + 11 : sampler_start + 13]) == ["progress_state", "executing"]
    assert events[sampler_start + 12]["data"]["node"] == "8"


async def test_feature_flag_client_gets_format_4_previews_before_progress(
    http: httpx.AsyncClient, double: ComfyUIDouble
) -> None:
    client = f"c-{unique()}"
    ws = await open_socket(double, client, flags=True)
    try:
        queued = await submit(http, sd_graph(f"flags {unique()}", steps=2), client)
        events = await until_done(ws, queued["prompt_id"])
    finally:
        await ws.close()
    sampler_start = next(i for i, e in enumerate(events) if e["type"] == "executing" and e["data"]["node"] == "3")
    assert types(events[sampler_start + 1 : sampler_start + 7]) == ["progress_state", "binary4", "progress"] * 2
    payload = events[sampler_start + 2]["payload"]
    json_len = struct.unpack(">I", payload[:4])[0]
    assert json_len == 166
    metadata = json.loads(payload[4 : 4 + json_len])
    assert metadata == {
        "node_id": "3",
        "prompt_id": queued["prompt_id"],
        "display_node_id": "3",
        "parent_node_id": None,
        "real_node_id": "3",
        "image_type": "image/jpeg",
    }
    assert Image.open(io.BytesIO(payload[4 + json_len :])).format == "JPEG"
    assert "binary1" not in types(events)


async def test_execution_events_only_reach_the_submitting_client(
    http: httpx.AsyncClient, double: ComfyUIDouble
) -> None:
    submitter, bystander = f"c-{unique()}", f"c-{unique()}"
    ws_a, ws_b = await open_socket(double, submitter), await open_socket(double, bystander)
    try:
        queued = await submit(http, sd_graph(f"routing {unique()}", steps=2), submitter)
        await until_done(ws_a, queued["prompt_id"])
        seen_by_b = []
        while True:
            try:
                seen_by_b.append(await receive(ws_b, timeout=0.3))
            except TimeoutError:
                break
    finally:
        await ws_a.close()
        await ws_b.close()
    assert types(seen_by_b) == ["status", "status", "status"]
    async with connect(double.ws_url()) as anonymous:
        sid = (await receive(anonymous))["data"]["sid"]
    assert len(sid) == 32 and int(sid, 16) >= 0  # uuid4().hex


async def test_prompt_without_client_id_broadcasts_only_state_and_text(
    http: httpx.AsyncClient, double: ComfyUIDouble
) -> None:
    graph = {
        "1": {
            "class_type": "EmptyImage",
            "inputs": {"width": 32, "height": 48, "batch_size": 2, "color": fresh_color()},
        },
        "2": {"class_type": "GetImageSize", "inputs": {"image": ["1", 0]}},
        "3": {
            "class_type": "EmptyImage",
            "inputs": {"width": ["2", 0], "height": ["2", 1], "batch_size": 1, "color": 0},
        },
        "4": {"class_type": "SaveImage", "inputs": {"filename_prefix": f"anon{unique()}", "images": ["3", 0]}},
    }
    ws = await open_socket(double, f"c-{unique()}")
    try:
        queued = await submit(http, graph)
        await wait_history(http, queued["prompt_id"])
        seen = []
        while True:
            try:
                seen.append(await receive(ws, timeout=0.3))
            except TimeoutError:
                break
    finally:
        await ws.close()
    assert set(types(seen)) == {"status", "progress_state", "binary3"}
    [text] = [e["payload"] for e in seen if e["type"] == "binary"]
    node_len = struct.unpack(">I", text[:4])[0]
    assert text[4 : 4 + node_len] == b"2"
    assert text[4 + node_len :].decode() == "width: 32, height: 48\n batch size: 2"
    assert all(e["data"]["prompt_id"] == queued["prompt_id"] for e in seen if e["type"] == "progress_state")


@contextmanager
def slower_steps(double: ComfyUIDouble, step_time: float = 0.1) -> Iterator[None]:
    """Steps much longer than a loopback round trip, so timing assertions hold on a loaded machine."""
    double.control(step_time=step_time)
    try:
        yield
    finally:
        double.control(step_time=STEP_TIME)


async def test_reconnect_mid_run_gets_executing_without_prompt_id(
    http: httpx.AsyncClient, double: ComfyUIDouble
) -> None:
    client = f"c-{unique()}"
    first = await open_socket(double, client)
    second = None
    try:
        with slower_steps(double, 0.05):
            queued = await submit(http, sd_graph(f"reconnect {unique()}", steps=10), client)
            while True:
                event = await receive(first)
                if event["type"] == "progress":
                    break
            second = await connect(double.ws_url(client), max_size=None)
            hello = await receive(second)
            assert hello["type"] == "status" and hello["data"]["sid"] == client
            assert await receive(second) == {"type": "executing", "data": {"node": "3"}}
            rest = await until_done(second, queued["prompt_id"])
    finally:
        await first.close()
        if second is not None:
            await second.close()
    assert "progress" in types(rest) and rest[-1]["data"] == {"node": None, "prompt_id": queued["prompt_id"]}


async def test_interrupt_lands_at_the_next_sampler_step(http: httpx.AsyncClient, double: ComfyUIDouble) -> None:
    client = f"c-{unique()}"
    ws = await open_socket(double, client)
    try:
        with slower_steps(double):
            queued = await submit(http, sd_graph(f"interrupt {unique()}", steps=60), client)
            events = []
            while True:
                events.append(await receive(ws))
                if events[-1]["type"] == "progress" and events[-1]["data"]["value"] == 1:
                    # Interrupting a prompt that is not running is a silent no-op; the run goes on past step 3.
                    await http.post("/interrupt", json={"prompt_id": "not-running"})
                if events[-1]["type"] == "progress" and events[-1]["data"]["value"] == 4:
                    break
            assert (await http.post("/interrupt", json={"prompt_id": queued["prompt_id"]})).status_code == 200
            interrupted_at = len(events)
            events += await until_done(ws, queued["prompt_id"])
    finally:
        await ws.close()
    tail = events[interrupted_at:]
    progress_after = [e for e in tail if e["type"] == "progress"]
    assert len(progress_after) <= 1  # about one step of latency
    stop = next(i for i, e in enumerate(tail) if e["type"] == "execution_interrupted")
    assert types(tail[stop:]) == ["execution_interrupted", "status", "executing"]
    data = tail[stop]["data"]
    assert set(data) == {"prompt_id", "node_id", "node_type", "executed", "timestamp"}
    assert (data["prompt_id"], data["node_id"], data["node_type"]) == (queued["prompt_id"], "3", "KSampler")
    assert "6" in data["executed"] and "3" not in data["executed"]  # loader and latent may come from the cache
    entry = await wait_history(http, queued["prompt_id"])
    assert entry["status"]["status_str"] == "error" and entry["status"]["completed"] is False
    assert entry["outputs"] == {} and entry["status"]["messages"][-1][0] == "execution_interrupted"


async def test_interrupt_outside_a_sampler_lands_after_the_next_executing(
    http: httpx.AsyncClient, double: ComfyUIDouble
) -> None:
    client = f"c-{unique()}"
    ws = await open_socket(double, client)
    double.control(stall=True)
    try:
        queued = await submit(http, image_graph(fresh_color()), client)
        while (await receive(ws))["type"] != "execution_cached":
            pass
        await http.post("/interrupt")
    finally:
        double.control(stall=False)
    try:
        events = await until_done(ws, queued["prompt_id"])
    finally:
        await ws.close()
    assert types(events) == ["progress_state", "executing", "execution_interrupted", "status", "executing"]
    assert events[1]["data"]["node"] == "1"
    assert (events[2]["data"]["node_id"], events[2]["data"]["node_type"], events[2]["data"]["executed"]) == (
        "1",
        "EmptyImage",
        [],
    )


async def test_free_memory_drops_the_cache(http: httpx.AsyncClient, double: ComfyUIDouble) -> None:
    client = f"c-{unique()}"
    graph = image_graph(fresh_color())
    ws = await open_socket(double, client)
    try:
        await until_done(ws, (await submit(http, graph, client))["prompt_id"])
        freed = await http.post("/free", json={"unload_models": True, "free_memory": True})
        assert (freed.status_code, freed.content) == (200, b"")
        await asyncio.sleep(0.1)  # an idle worker applies the flags when they wake it
        events = await until_done(ws, (await submit(http, graph, client))["prompt_id"])
    finally:
        await ws.close()
    cached = next(e for e in events if e["type"] == "execution_cached")
    assert cached["data"]["nodes"] == [] and "executing" in types(events)[:-1]


async def test_failing_node_reports_execution_error_with_every_field(
    http: httpx.AsyncClient, double: ComfyUIDouble
) -> None:
    client = f"c-{unique()}"
    double.control(fail_next_prompt=True)
    ws = await open_socket(double, client)
    try:
        queued = await submit(http, image_graph(fresh_color(), prefix="failing"), client)
        events = await until_done(ws, queued["prompt_id"])
    finally:
        await ws.close()
    error_at = types(events).index("execution_error")
    assert types(events[error_at:]) == ["execution_error", "status", "executing"]
    assert events[error_at - 1] == {
        "type": "executing",
        "data": {"node": "2", "display_node": "2", "prompt_id": queued["prompt_id"]},
    }
    error = events[error_at]["data"]
    assert set(error) == {
        "prompt_id",
        "node_id",
        "node_type",
        "executed",
        "exception_message",
        "exception_type",
        "traceback",
        "current_inputs",
        "current_outputs",
        "timestamp",
    }
    assert (error["node_id"], error["node_type"], error["executed"]) == ("2", "SaveImage", ["1"])
    assert error["exception_type"] == "Exception" and error["exception_message"].endswith("\n")
    assert all(isinstance(line, str) for line in error["traceback"])
    assert set(error["current_inputs"]) == {"images", "filename_prefix", "prompt", "extra_pnginfo"}
    assert error["current_inputs"]["filename_prefix"] == ["failing"]
    assert error["current_inputs"]["images"][0].startswith("tensor(")
    assert sorted(error["current_outputs"]) == ["1", "2"]
    states = [n["state"] for e in events if e["type"] == "progress_state" for n in e["data"]["nodes"].values()]
    assert "error" not in states
    entry = await wait_history(http, queued["prompt_id"])
    assert (entry["status"]["status_str"], entry["status"]["completed"]) == ("error", False)


# --- queue, validation, history ------------------------------------------------------------------------------


async def test_queue_lists_heap_items_and_deletes_only_pending(http: httpx.AsyncClient, double: ComfyUIDouble) -> None:
    double.control(stall=True)
    try:
        running = await submit(http, image_graph(fresh_color()), "queue-test")
        await asyncio.sleep(0.05)
        later = await submit(http, image_graph(fresh_color()), "queue-test")
        rejected = await http.post("/prompt", json={"prompt": {"1": {"class_type": "NoSuchNode", "inputs": {}}}})
        assert rejected.status_code == 400
        mine = await submit(http, image_graph(fresh_color()), "queue-test", prompt_id="my-own-id")
        assert mine["prompt_id"] == "my-own-id" and mine["number"] == later["number"] + 2  # rejected took a number
        urgent = await submit(http, image_graph(fresh_color()), "queue-test", front=True)
        assert urgent["number"] == -(mine["number"] + 1)
        queue = (await http.get("/queue")).json()
        assert [item[1] for item in queue["queue_running"]] == [running["prompt_id"]]
        pending = queue["queue_pending"]
        assert {item[1] for item in pending} == {later["prompt_id"], mine["prompt_id"], urgent["prompt_id"]}
        assert pending[0][1] == urgent["prompt_id"] and len(pending[0]) == 5
        assert pending[0][3] == {"client_id": "queue-test"} and pending[0][4] == ["2"]
        deleted = await http.post("/queue", json={"delete": [later["prompt_id"], running["prompt_id"]]})
        assert (deleted.status_code, deleted.content) == (200, b"")
        queue = (await http.get("/queue")).json()
        assert [item[1] for item in queue["queue_running"]] == [running["prompt_id"]]
        assert {item[1] for item in queue["queue_pending"]} == {mine["prompt_id"], urgent["prompt_id"]}
        assert (await http.get("/prompt")).json() == {"exec_info": {"queue_remaining": 3}}
    finally:
        double.control(stall=False)
    for prompt_id in (running["prompt_id"], urgent["prompt_id"], mine["prompt_id"]):
        await wait_history(http, prompt_id)
    history = (await http.get("/history")).json()
    assert list(history).index(urgent["prompt_id"]) < list(history).index(mine["prompt_id"])  # front ran first
    assert later["prompt_id"] not in history
    assert list((await http.get("/history", params={"max_items": 1})).json()) == [mine["prompt_id"]]
    assert list((await http.get("/history", params={"max_items": 1, "offset": 0})).json()) == [next(iter(history))]
    assert (await http.get("/history/unknown")).json() == {}
    answer = await http.post("/history", json={"delete": [mine["prompt_id"]]})
    assert (answer.status_code, answer.content) == (200, b"")
    assert (await http.get(f"/history/{mine['prompt_id']}")).json() == {}


async def post_invalid(http: httpx.AsyncClient, graph: dict) -> dict:
    response = await http.post("/prompt", json={"prompt": graph})
    assert response.status_code == 400, response.text
    return response.json()


async def test_top_level_validation_errors(http: httpx.AsyncClient) -> None:
    unknown = await post_invalid(http, {"3": {"class_type": "NoSuchNode", "inputs": {}}})
    assert unknown == {
        "error": {
            "type": "invalid_prompt",
            "message": "Cannot execute because node NoSuchNode does not exist.",
            "details": "Node ID '#3'",
            "extra_info": {},
        },
        "node_errors": {},
    }
    no_class = await post_invalid(http, {"1": {"inputs": {}}})
    assert no_class["error"]["type"] == "invalid_prompt" and "class_type" in no_class["error"]["message"]
    no_outputs = await post_invalid(http, {"1": {"class_type": "EmptyImage", "inputs": {}}})
    assert no_outputs["error"] == {
        "type": "prompt_no_outputs",
        "message": "Prompt has no outputs",
        "details": "",
        "extra_info": {},
    }
    no_prompt = await http.post("/prompt", json={"client_id": "x"})
    assert no_prompt.status_code == 400 and no_prompt.json()["error"]["type"] == "no_prompt"


@pytest.mark.parametrize(
    "change, node_id, error_type, details",
    [
        (
            lambda g: g["4"]["inputs"].update(ckpt_name="zz.safetensors"),
            "4",
            "value_not_in_list",
            "ckpt_name: 'zz.safetensors' not in ['a.safetensors', 'b.safetensors']",
        ),
        (lambda g: g["3"]["inputs"].pop("seed"), "3", "required_input_missing", "seed"),
        (lambda g: g["3"]["inputs"].update(steps=0), "3", "value_smaller_than_min", "steps"),
        (lambda g: g["3"]["inputs"].update(denoise=2), "3", "value_bigger_than_max", "denoise"),
        (
            lambda g: g["3"]["inputs"].update(seed="abc"),
            "3",
            "invalid_input_type",
            "seed, abc, invalid literal for int() with base 10: 'abc'",
        ),
        (
            lambda g: g["8"]["inputs"].update(samples=["4", 0]),
            "8",
            "return_type_mismatch",
            "samples, received_type(MODEL) mismatch input_type(LATENT)",
        ),
        (lambda g: g["9"]["inputs"].update(images=["99", 0]), "9", "exception_during_validation", "'99'"),
        (
            lambda g: g["9"]["inputs"].update(images=["8", 5]),
            "9",
            "exception_during_validation",
            "tuple index out of range",
        ),
    ],
)
async def test_node_validation_errors(
    http: httpx.AsyncClient, change, node_id: str, error_type: str, details: str
) -> None:
    graph = sd_graph("validation")
    change(graph)
    answer = await post_invalid(http, graph)
    assert answer["error"]["type"] == "prompt_outputs_failed_validation"
    assert answer["error"]["message"] == "Prompt outputs failed validation"
    entry = answer["node_errors"][node_id]
    assert entry["class_type"] == graph[node_id]["class_type"] and entry["dependent_outputs"] == ["9"]
    [error] = entry["errors"]
    assert (error["type"], error["details"]) == (error_type, details)
    assert set(error) == {"type", "message", "details", "extra_info"}
    if error_type == "exception_during_validation":
        assert error["extra_info"]["exception_type"] in ("KeyError", "IndexError")
    if error_type == "return_type_mismatch":
        assert error["extra_info"]["received_type"] == "MODEL" and error["extra_info"]["linked_node"] == ["4", 0]


async def test_link_shape_custom_and_inner_validation_errors(http: httpx.AsyncClient) -> None:
    graph = sd_graph("links")
    graph["8"]["inputs"]["samples"] = ["3", 0, 1]
    [bad] = (await post_invalid(http, graph))["node_errors"]["8"]["errors"]
    assert (bad["type"], bad["details"], bad["extra_info"]["received_value"]) == (
        "bad_linked_input",
        "samples",
        ["3", 0, 1],
    )

    graph = sd_graph("links")
    graph["8"]["inputs"]["samples"] = ["99", 0]
    answer = await post_invalid(http, graph)
    # Raised while node 9 validates its input from node 8: blamed on 8, named after 9's input.
    [inner] = answer["node_errors"]["8"]["errors"]
    assert (inner["type"], inner["details"]) == ("exception_during_inner_validation", "'99'")
    assert inner["extra_info"]["input_name"] == "images" and inner["extra_info"]["linked_node"] == ["8", 0]

    load = {
        "1": {"class_type": "LoadImage", "inputs": {"image": "nope.png"}},
        "2": {"class_type": "SaveImage", "inputs": {"filename_prefix": "x", "images": ["1", 0]}},
    }
    [custom] = (await post_invalid(http, load))["node_errors"]["1"]["errors"]
    assert (custom["type"], custom["details"]) == ("custom_validation_failed", "image - Invalid image file: nope.png")


async def test_partially_valid_prompt_runs_the_valid_branch(http: httpx.AsyncClient) -> None:
    graph = image_graph(fresh_color(), prefix=f"half{unique()}")
    graph["3"] = {"class_type": "SaveImage", "inputs": {"filename_prefix": "never", "images": ["1", 7]}}
    queued = await submit(http, graph)
    assert list(queued["node_errors"]) == ["3"]
    assert queued["node_errors"]["3"]["errors"][0]["type"] == "exception_during_validation"
    entry = await wait_history(http, queued["prompt_id"])
    assert entry["prompt"][4] == ["2"] and list(entry["outputs"]) == ["2"]


# --- files ----------------------------------------------------------------------------------------------------


async def test_upload_dedup_and_view_path_checks(http: httpx.AsyncClient) -> None:
    name = f"up{unique()}.png"
    red, blue = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(red, format="PNG")
    Image.new("RGB", (4, 4), "blue").save(blue, format="PNG")
    first = await http.post("/upload/image", files={"image": (name, red.getvalue(), "image/png")})
    assert first.json() == {"name": name, "subfolder": "", "type": "input"}
    again = await http.post("/upload/image", files={"image": (name, red.getvalue(), "image/png")})
    assert again.json()["name"] == name
    clash = await http.post("/upload/image", files={"image": (name, blue.getvalue(), "image/png")})
    assert clash.json()["name"] == name.replace(".png", " (1).png")
    empty = await http.post("/upload/image", data={"type": "input"}, files={"other": ("a", b"x")})
    assert (empty.status_code, empty.content) == (400, b"")
    combo = (await http.get("/object_info/LoadImage")).json()["LoadImage"]["input"]["required"]["image"]
    assert name in combo[0] and combo[1] == {"image_upload": True}
    view = await http.get("/view", params={"filename": name, "type": "input"})
    assert view.content == red.getvalue() and view.headers["content-type"] == "image/png"
    assert f'filename="{name}"' in view.headers["content-disposition"]
    statuses = [
        (await http.get("/view", params=params)).status_code
        for params in (
            {"filename": "missing.png", "type": "input"},
            {"filename": "../x.png"},
            {"filename": "/etc/passwd"},
            {"filename": name, "type": "bogus"},
            {"filename": name, "type": "input", "subfolder": "../.."},
        )
    ]
    assert statuses == [404, 400, 400, 400, 403]


def test_sprites_are_deterministic_and_cheap() -> None:
    recipe = SampleRecipe(seed=7, positive="hero", checkpoint="a.safetensors", loras=(("x.safetensors", 0.8, 1.0),))
    assert np.array_equal(sprite_pixels(recipe, 8, 8), sprite_pixels(recipe, 8, 8))
    other = SampleRecipe(seed=8, positive="hero", checkpoint="a.safetensors", loras=recipe.loras)
    assert not np.array_equal(sprite_pixels(recipe, 8, 8), sprite_pixels(other, 8, 8))
    started = time.perf_counter()
    big = upscale_nearest(sprite_pixels(recipe, 128, 128))
    assert big.shape == (1024, 1024, 3) and time.perf_counter() - started < 0.1


async def test_saved_image_depends_on_recipe_and_has_latent_times_8_size(
    http: httpx.AsyncClient, double: ComfyUIDouble
) -> None:
    async def render(graph: dict) -> Image.Image:
        entry = await wait_history(http, (await submit(http, graph))["prompt_id"])
        [image] = entry["outputs"]["9"]["images"]
        return Image.open(io.BytesIO((await http.get("/view", params=image)).content))

    text = f"sprite {unique()}"
    base = await render(sd_graph(text, seed=5, width=48, height=32, steps=1))
    assert base.size == (48, 32)
    same = await render(sd_graph(text, seed=5, width=48, height=32, steps=1, prefix="again"))
    lora = await render(sd_graph(text, seed=5, width=48, height=32, steps=1, lora="sub/y.safetensors"))
    assert same.tobytes() == base.tobytes() and lora.tobytes() != base.tobytes()


# --- the double's own controls --------------------------------------------------------------------------------


async def test_checkpoint_switches_are_counted_and_cost_load_time(
    http: httpx.AsyncClient, double: ComfyUIDouble
) -> None:
    text = f"switch {unique()}"
    await wait_history(http, (await submit(http, sd_graph(text, ckpt="a.safetensors", steps=1)))["prompt_id"])
    before = double.stats()
    double.control(load_time=0.1)
    try:
        started = time.monotonic()
        for seed, ckpt in ((2, "a.safetensors"), (3, "b.safetensors"), (4, "a.safetensors")):
            await wait_history(http, (await submit(http, sd_graph(text, seed=seed, ckpt=ckpt, steps=1)))["prompt_id"])
        elapsed = time.monotonic() - started
    finally:
        double.control(load_time=0.0)
    after = double.stats()
    assert after["checkpoint_switches"] - before["checkpoint_switches"] == 2
    assert after["checkpoint_loads"] - before["checkpoint_loads"] == 2  # the same checkpoint stayed cached
    assert after["last_checkpoint"] == "a.safetensors" and elapsed >= 0.2
    assert after["prompts_executed"] - before["prompts_executed"] == 3
    assert after["busy_seconds"] - before["busy_seconds"] >= 0.2
    assert {"idle_seconds_between_prompts", "queue_max_depth"} <= set(after)


async def test_injected_rejection_slow_http_and_dropped_websockets(
    http: httpx.AsyncClient, double: ComfyUIDouble
) -> None:
    double.control(reject_next_prompt_with="prompt_outputs_failed_validation")
    rejected = await http.post("/prompt", json={"prompt": image_graph(1)})
    assert rejected.status_code == 400 and rejected.json()["error"]["type"] == "prompt_outputs_failed_validation"
    assert (await http.post("/prompt", json={"prompt": image_graph(fresh_color())})).status_code == 200

    double.control(slow_http_s=0.2)
    try:
        started = time.monotonic()
        await http.get("/queue")
        assert time.monotonic() - started >= 0.2
    finally:
        double.control(slow_http_s=0)

    ws = await open_socket(double, f"c-{unique()}")
    assert double.control(drop_websockets=True)["websockets_dropped"] >= 1
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await receive(ws, timeout=2)
    assert closed.value.rcvd is None  # no close frame: the connection was cut


def test_kill_and_restart_forget_queue_and_history(tmp_path: Path) -> None:
    server = ComfyUIDouble(tmp_path, step_time=STEP_TIME).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            missing = client.post("/prompt", json={"prompt": sd_graph("no models")})
            assert "ckpt_name: 'a.safetensors' not in []" in json.dumps(missing.json())
            done = client.post("/prompt", json={"prompt": image_graph(1)}).json()
            deadline = time.monotonic() + 5
            while not client.get(f"/history/{done['prompt_id']}").json() and time.monotonic() < deadline:
                time.sleep(0.02)
            server.control(stall=True)
            client.post("/prompt", json={"prompt": image_graph(2)})
            client.post("/prompt", json={"prompt": image_graph(3)})
            assert len(client.get("/queue").json()["queue_pending"]) == 1
            port = server.port
            server.restart()
            assert server.port == port
            assert client.get("/history").json() == {}
            assert client.get("/queue").json() == {"queue_running": [], "queue_pending": []}
            assert client.post("/prompt", json={"prompt": image_graph(4)}).json()["number"] == 0
    finally:
        server.kill()


async def test_preview_method_none_sends_no_preview_frames(tmp_path: Path) -> None:
    server = ComfyUIDouble(tmp_path, step_time=STEP_TIME, checkpoints=["only.safetensors"]).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            ws = await open_socket(server, "quiet")
            try:
                queued = await submit(client, sd_graph("quiet", ckpt="only.safetensors", steps=3), "quiet")
                events = await until_done(ws, queued["prompt_id"])
            finally:
                await ws.close()
    finally:
        server.kill()
    assert types(events).count("progress") == 3 and not any(e["type"] == "binary" for e in events)
