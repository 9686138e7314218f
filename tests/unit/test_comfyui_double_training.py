"""The double's upload/download and native LoRA training, as a real ComfyUI 0.3.64 does them
(../shared/reference/comfyui-training.md): node specs pinned to the real /object_info, a dataset uploaded with
captions, a training prompt end to end with its websocket sequence, and the LoRA usable and downloadable at once."""

from __future__ import annotations

import asyncio
import io
import json
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image
from websockets.asyncio.client import ClientConnection, connect

from tests.support.comfyui_double import ComfyUIDouble
from tests.support.comfyui_double.directories import ServerDirectories
from tests.support.comfyui_double.node_catalog import build_node_catalog

# GET /object_info/<class> on a real ComfyUI 0.3.64 (CPU rig) with an empty input folder and one LoRA installed.
REAL = {
    "LoadImageTextSetFromFolderNode": {
        "input": {
            "required": {
                "folder": [[], {"tooltip": "The folder to load images from."}],
                "clip": ["CLIP", {"tooltip": "The CLIP model used for encoding the text."}],
            },
            "optional": {
                "resize_method": [["None", "Stretch", "Crop", "Pad"], {"default": "None"}],
                "width": [
                    "INT",
                    {
                        "default": -1,
                        "min": -1,
                        "max": 10000,
                        "step": 1,
                        "tooltip": "The width to resize the images to. -1 means use the original width.",
                    },
                ],
                "height": [
                    "INT",
                    {
                        "default": -1,
                        "min": -1,
                        "max": 10000,
                        "step": 1,
                        "tooltip": "The height to resize the images to. -1 means use the original height.",
                    },
                ],
            },
        },
        "input_order": {"required": ["folder", "clip"], "optional": ["resize_method", "width", "height"]},
        "output": ["IMAGE", "CONDITIONING"],
        "output_is_list": [False, False],
        "output_name": ["IMAGE", "CONDITIONING"],
        "name": "LoadImageTextSetFromFolderNode",
        "display_name": "Load Image and Text Dataset from Folder",
        "description": "Loads a batch of images and caption from a directory for training.",
        "python_module": "comfy_extras.nodes_train",
        "category": "loaders",
        "output_node": False,
        "experimental": True,
    },
    "LoadImageSetFromFolderNode": {
        "input": {
            "required": {"folder": [[], {"tooltip": "The folder to load images from."}]},
            "optional": {"resize_method": [["None", "Stretch", "Crop", "Pad"], {"default": "None"}]},
        },
        "input_order": {"required": ["folder"], "optional": ["resize_method"]},
        "output": ["IMAGE"],
        "output_is_list": [False],
        "output_name": ["IMAGE"],
        "name": "LoadImageSetFromFolderNode",
        "display_name": "Load Image Dataset from Folder",
        "description": "Loads a batch of images from a directory for training.",
        "python_module": "comfy_extras.nodes_train",
        "category": "loaders",
        "output_node": False,
        "experimental": True,
    },
    "TrainLoraNode": {
        "input": {
            "required": {
                "model": ["MODEL", {"tooltip": "The model to train the LoRA on."}],
                "latents": [
                    "LATENT",
                    {"tooltip": "The Latents to use for training, serve as dataset/input of the model."},
                ],
                "positive": ["CONDITIONING", {"tooltip": "The positive conditioning to use for training."}],
                "batch_size": [
                    "INT",
                    {"default": 1, "min": 1, "max": 10000, "step": 1, "tooltip": "The batch size to use for training."},
                ],
                "grad_accumulation_steps": [
                    "INT",
                    {
                        "default": 1,
                        "min": 1,
                        "max": 1024,
                        "step": 1,
                        "tooltip": "The number of gradient accumulation steps to use for training.",
                    },
                ],
                "steps": [
                    "INT",
                    {"default": 16, "min": 1, "max": 100000, "tooltip": "The number of steps to train the LoRA for."},
                ],
                "learning_rate": [
                    "FLOAT",
                    {
                        "default": 0.0005,
                        "min": 1e-07,
                        "max": 1.0,
                        "step": 1e-06,
                        "tooltip": "The learning rate to use for training.",
                    },
                ],
                "rank": ["INT", {"default": 8, "min": 1, "max": 128, "tooltip": "The rank of the LoRA layers."}],
                "optimizer": [
                    ["AdamW", "Adam", "SGD", "RMSprop"],
                    {"default": "AdamW", "tooltip": "The optimizer to use for training."},
                ],
                "loss_function": [
                    ["MSE", "L1", "Huber", "SmoothL1"],
                    {"default": "MSE", "tooltip": "The loss function to use for training."},
                ],
                "seed": [
                    "INT",
                    {
                        "default": 0,
                        "min": 0,
                        "max": 18446744073709551615,
                        "tooltip": "The seed to use for training (used in "
                        "generator for LoRA weight initialization and "
                        "noise sampling)",
                    },
                ],
                "training_dtype": [["bf16", "fp32"], {"default": "bf16", "tooltip": "The dtype to use for training."}],
                "lora_dtype": [["bf16", "fp32"], {"default": "bf16", "tooltip": "The dtype to use for lora."}],
                "algorithm": [
                    ["LoRA", "LoHa", "LoKr", "OFT"],
                    {"default": "LoRA", "tooltip": "The algorithm to use for training."},
                ],
                "gradient_checkpointing": [
                    "BOOLEAN",
                    {"default": True, "tooltip": "Use gradient checkpointing for training."},
                ],
                "existing_lora": [
                    ["tiny_lora.safetensors", "[None]"],
                    {"default": "[None]", "tooltip": "The existing LoRA to append to. Set to None for new LoRA."},
                ],
            }
        },
        "input_order": {
            "required": [
                "model",
                "latents",
                "positive",
                "batch_size",
                "grad_accumulation_steps",
                "steps",
                "learning_rate",
                "rank",
                "optimizer",
                "loss_function",
                "seed",
                "training_dtype",
                "lora_dtype",
                "algorithm",
                "gradient_checkpointing",
                "existing_lora",
            ]
        },
        "output": ["MODEL", "LORA_MODEL", "LOSS_MAP", "INT"],
        "output_is_list": [False, False, False, False],
        "output_name": ["model_with_lora", "lora", "loss", "steps"],
        "name": "TrainLoraNode",
        "display_name": "Train LoRA",
        "description": "",
        "python_module": "comfy_extras.nodes_train",
        "category": "training",
        "output_node": False,
        "experimental": True,
    },
    "SaveLoRANode": {
        "input": {
            "required": {
                "lora": ["LORA_MODEL", {"tooltip": "The LoRA model to save. Do not use the model with LoRA layers."}],
                "prefix": [
                    "STRING",
                    {"default": "loras/ComfyUI_trained_lora", "tooltip": "The prefix to use for the saved LoRA file."},
                ],
            },
            "optional": {
                "steps": [
                    "INT",
                    {
                        "forceInput": True,
                        "tooltip": "Optional: The number of steps to LoRA has "
                        "been trained for, used to name the saved "
                        "file.",
                    },
                ]
            },
        },
        "input_order": {"required": ["lora", "prefix"], "optional": ["steps"]},
        "output": [],
        "output_is_list": [],
        "output_name": [],
        "name": "SaveLoRANode",
        "display_name": "Save LoRA Weights",
        "description": "",
        "python_module": "comfy_extras.nodes_train",
        "category": "loaders",
        "output_node": True,
        "experimental": True,
    },
    "LossGraphNode": {
        "input": {
            "required": {
                "loss": ["LOSS_MAP", {"default": {}}],
                "filename_prefix": ["STRING", {"default": "loss_graph"}],
            },
            "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"},
        },
        "input_order": {"required": ["loss", "filename_prefix"], "hidden": ["prompt", "extra_pnginfo"]},
        "output": [],
        "output_is_list": [],
        "output_name": [],
        "name": "LossGraphNode",
        "display_name": "Plot Loss Graph",
        "description": "Plots the loss graph and saves it to the output directory.",
        "python_module": "comfy_extras.nodes_train",
        "category": "training",
        "output_node": True,
        "experimental": True,
    },
    "LoraModelLoader": {
        "input": {
            "required": {
                "model": ["MODEL", {"tooltip": "The diffusion model the LoRA will be applied to."}],
                "lora": ["LORA_MODEL", {"tooltip": "The LoRA model to apply to the diffusion model."}],
                "strength_model": [
                    "FLOAT",
                    {
                        "default": 1.0,
                        "min": -100.0,
                        "max": 100.0,
                        "step": 0.01,
                        "tooltip": "How strongly to modify the diffusion model. This value can be negative.",
                    },
                ],
            }
        },
        "input_order": {"required": ["model", "lora", "strength_model"]},
        "output": ["MODEL"],
        "output_is_list": [False],
        "output_name": ["MODEL"],
        "name": "LoraModelLoader",
        "display_name": "Load LoRA Model",
        "description": "Load Trained LoRA weights from Train LoRA node.",
        "python_module": "comfy_extras.nodes_train",
        "category": "loaders",
        "output_node": False,
        "output_tooltips": ["The modified diffusion model."],
        "experimental": True,
    },
}


def test_the_training_nodes_are_described_as_the_real_server_describes_them(tmp_path: Path) -> None:
    dirs = ServerDirectories(tmp_path)
    dirs.input.mkdir()
    (dirs.models / "loras").mkdir(parents=True)
    (dirs.models / "loras" / "tiny_lora.safetensors").write_bytes(b"x")
    catalog = build_node_catalog(dirs)
    for name, real in REAL.items():
        # Byte for byte, key order included: a client may show these specs as they come.
        assert json.dumps(catalog[name].node_info()) == json.dumps(real)


@pytest.fixture(scope="module")
def double(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComfyUIDouble]:
    server = ComfyUIDouble(
        tmp_path_factory.mktemp("comfyui"), step_time=0.05, checkpoints=["a.safetensors"], loras=["x.safetensors"]
    ).start()
    yield server
    server.kill()


@pytest.fixture
async def http(double: ComfyUIDouble) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=double.url, timeout=10) as client:
        yield client


def png(width: int, height: int, seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


async def upload(http: httpx.AsyncClient, name: str, data: bytes, subfolder: str, **fields: str) -> httpx.Response:
    return await http.post("/upload/image", data={"subfolder": subfolder, **fields}, files={"image": (name, data)})


async def upload_dataset(http: httpx.AsyncClient, sizes: list[tuple[int, int]], captions: bool = True) -> str:
    folder = f"ds{uuid.uuid4().hex[:6]}"
    for i, size in enumerate(sizes):
        await upload(http, f"s{i}.png", png(*size, i), folder, type="input", overwrite="true")
        if captions:
            await upload(http, f"s{i}.txt", f"pixel knight {i}".encode(), folder, type="input", overwrite="true")
    return folder


def training_graph(folder: str, prefix: str, steps: int = 6, **loader: object) -> dict:
    """The reference's graph: checkpoint -> dataset with captions -> VAEEncode -> TrainLoraNode -> SaveLoRANode."""
    return {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "a.safetensors"}},
        "2": {
            "class_type": "LoadImageTextSetFromFolderNode",
            "inputs": {"folder": folder, "clip": ["1", 1], "resize_method": "None", **loader},
        },
        "3": {"class_type": "VAEEncode", "inputs": {"pixels": ["2", 0], "vae": ["1", 2]}},
        "4": {
            "class_type": "TrainLoraNode",
            "inputs": {
                "model": ["1", 0],
                "latents": ["3", 0],
                "positive": ["2", 1],
                "batch_size": 1,
                "grad_accumulation_steps": 1,
                "steps": steps,
                "learning_rate": 0.0005,
                "rank": 4,
                "optimizer": "AdamW",
                "loss_function": "MSE",
                "seed": 0,
                "training_dtype": "fp32",
                "lora_dtype": "fp32",
                "algorithm": "LoRA",
                "gradient_checkpointing": True,
                "existing_lora": "[None]",
            },
        },
        "5": {"class_type": "SaveLoRANode", "inputs": {"lora": ["4", 1], "prefix": prefix, "steps": ["4", 3]}},
        "6": {"class_type": "LossGraphNode", "inputs": {"loss": ["4", 2], "filename_prefix": "loss_graph"}},
    }


async def run(double: ComfyUIDouble, http: httpx.AsyncClient, graph: dict) -> tuple[str, list[dict]]:
    client_id = uuid.uuid4().hex
    ws: ClientConnection = await connect(double.ws_url(client_id))
    try:
        events = [json.loads(await asyncio.wait_for(ws.recv(), 5))]
        answer = await http.post("/prompt", json={"prompt": graph, "client_id": client_id})
        assert answer.status_code == 200, answer.text
        prompt_id = answer.json()["prompt_id"]
        while True:
            event = json.loads(await asyncio.wait_for(ws.recv(), 10))
            events.append(event)
            if event["type"] == "executing" and event["data"]["node"] is None:
                return prompt_id, events
    finally:
        await ws.close()


def sequence(events: list[dict]) -> list[str]:
    """Event types, with the node for executing, the nodes for execution_cached."""
    out = []
    for event in events:
        data = event["data"]
        if event["type"] == "executing":
            out.append(f"executing {data['node']}")
        elif event["type"] == "execution_cached":
            out.append(f"execution_cached {data['nodes']}")
        else:
            out.append(event["type"])
    return out


async def test_uploads_keep_subfolder_type_and_captions_as_sent(http: httpx.AsyncClient) -> None:
    image = png(8, 8, 1)
    answer = await upload(http, "a.png", image, "ds_up", type="input", overwrite="true")
    assert (answer.status_code, answer.json()) == (200, {"name": "a.png", "subfolder": "ds_up", "type": "input"})
    caption = await upload(http, "a.txt", b"a knight, pixel art\n", "ds_up", type="input", overwrite="true")
    assert caption.json() == {"name": "a.txt", "subfolder": "ds_up", "type": "input"}
    replaced = await upload(http, "a.txt", b"a squire", "ds_up", overwrite="true")
    assert replaced.json()["name"] == "a.txt"
    kept = await upload(http, "a.txt", b"a page", "ds_up")
    assert kept.json()["name"] == "a (1).txt"  # no overwrite: a clash gets a numbered name
    text = await http.get("/view", params={"filename": "a.txt", "subfolder": "ds_up", "type": "input"})
    assert text.content == b"a squire"
    temp = await upload(http, "t.png", image, "sub", type="temp")
    assert temp.json() == {"name": "t.png", "subfolder": "sub", "type": "temp"}
    folders = (await http.get("/object_info/LoadImageSetFromFolderNode")).json()
    assert "ds_up" in folders["LoadImageSetFromFolderNode"]["input"]["required"]["folder"][0]
    load = await http.get("/view", params={"filename": "a.png", "subfolder": "ds_up", "type": "input"})
    assert load.content == image


async def test_a_training_prompt_runs_as_on_the_real_server(double: ComfyUIDouble, http: httpx.AsyncClient) -> None:
    folder = await upload_dataset(http, [(64, 64)] * 4)  # the folder combo is read at validation: just made
    prefix = f"loras/try{uuid.uuid4().hex[:6]}"
    prompt_id, events = await run(double, http, training_graph(folder, prefix))
    seen = [e for e in sequence(events) if e != "progress_state"]
    assert seen[:8] == [
        "status",
        "status",
        "status",
        "execution_start",
        "execution_cached []",
        "executing 1",
        "executing 2",
        "executing 3",
    ]
    # The two output nodes run in the order of a set of strings, which changes with each server process.
    assert seen[8] == "executing 4" and sorted(seen[9:12]) == ["executed", "executing 5", "executing 6"]
    assert seen[seen.index("executing 6") + 1] == "executed"  # only the loss graph has UI output
    assert seen[12:] == ["execution_success", "status", "executing None"]
    assert not [e for e in events if e["type"] == "progress"]  # training sends no step progress
    starts = [e for e in events if e["type"] == "progress_state"]
    assert len(starts) == 12  # running, then finished, for each of the six nodes
    lora = f"{prefix.split('/')[1]}_6_steps_00001_.safetensors"
    history = (await http.get(f"/history/{prompt_id}")).json()[prompt_id]
    loss_png = history["outputs"]["6"]["images"][0]
    assert list(history["outputs"]) == ["6"] and loss_png["type"] == "temp"  # the LoRA is not an output
    graph_png = await http.get("/view", params={"filename": loss_png["filename"], "type": "temp"})
    assert graph_png.headers["content-type"] == "image/png" and Image.open(io.BytesIO(graph_png.content)).size == (
        840,
        520,
    )
    info = (await http.get("/object_info/LoraLoader")).json()["LoraLoader"]["input"]["required"]["lora_name"][0]
    assert info == sorted(["x.safetensors", lora])  # usable at once, beside the models-folder LoRAs
    train = (await http.get("/object_info/TrainLoraNode")).json()["TrainLoraNode"]["input"]["required"]
    assert train["existing_lora"][0] == [*sorted(["x.safetensors", lora]), "[None]"]
    view = await http.get("/view", params={"filename": lora, "subfolder": "loras", "type": "output"})
    assert view.status_code == 200 and view.headers["content-type"] == "application/octet-stream"
    assert view.content == (double.root / "output" / "loras" / lora).read_bytes()
    assert (await http.get("/models/loras")).json() == info
    entries = (await http.get("/experiment/models/loras")).json()
    assert [(e["name"], e["pathIndex"]) for e in entries][:2] == [("x.safetensors", 0), (lora, 1)]
    paths = {e["name"]: e["folders"] for e in (await http.get("/experiment/models")).json()}
    assert paths["loras"] == [str(double.root / "models" / "loras"), str(double.root / "output" / "loras")]
    again = training_graph(folder, prefix)
    again["4"]["inputs"]["seed"] = 1
    await run(double, http, again)
    # The counter is read from the digits after the prefix, which are the steps: 6 + 1, as on the real server.
    assert f"{prefix.split('/')[1]}_6_steps_00007_.safetensors" in (await http.get("/models/loras")).json()


async def test_bad_datasets_fail_as_on_the_real_server(double: ComfyUIDouble, http: httpx.AsyncClient) -> None:
    empty = f"empty{uuid.uuid4().hex[:6]}"
    await upload(http, "note.txt", b"no images here", empty)
    mixed = await upload_dataset(http, [(64, 64), (64, 64), (64, 48)])
    uncaptioned = await upload_dataset(http, [(64, 64)] * 2, captions=False)
    failures = {}
    for name, graph in {
        "empty": training_graph(empty, "loras/bad"),
        "mixed": training_graph(mixed, "loras/bad"),
        "uncaptioned": training_graph(uncaptioned, "loras/bad"),
        "no_resize_method": training_graph(mixed, "loras/bad"),
    }.items():
        if name == "no_resize_method":
            del graph["2"]["inputs"]["resize_method"]
        _, events = await run(double, http, graph)
        error = next(e["data"] for e in events if e["type"] == "execution_error")
        failures[name] = (error["node_type"], error["exception_type"], error["exception_message"])
    assert failures == {
        "empty": ("LoadImageTextSetFromFolderNode", "ValueError", "No valid images found in input\n"),
        "mixed": (
            "LoadImageTextSetFromFolderNode",
            "ValueError",
            "Your input image size does not match the first image in the dataset. Either select a valid resize "
            "method or use the same size for all images.\n",
        ),
        # Each missing caption is encoded twice (as on the real server), so the counts differ.
        "uncaptioned": (
            "TrainLoraNode",
            "ValueError",
            "Number of positive conditions (4) does not match number of images (2).\n",
        ),
        "no_resize_method": (
            "LoadImageTextSetFromFolderNode",
            "TypeError",
            "LoadImageTextSetFromFolderNode.load_images() missing 1 required positional argument: 'resize_method'\n",
        ),
    }
    one_step = training_graph(mixed, "loras/bad", steps=1)
    one_step["2"]["inputs"]["resize_method"] = "Crop"
    _, events = await run(double, http, one_step)
    error = next(e["data"] for e in events if e["type"] == "execution_error")
    assert (error["node_type"], error["exception_type"]) == ("LossGraphNode", "ZeroDivisionError")
    assert error["exception_message"] == "float division by zero\n"
    stretched = training_graph(mixed, f"loras/fixed{uuid.uuid4().hex[:6]}", steps=2, width=32, height=32)
    stretched["2"]["inputs"]["resize_method"] = "Stretch"
    _, events = await run(double, http, stretched)
    assert "execution_success" in sequence(events)
    unknown = await http.post("/prompt", json={"prompt": training_graph("no_such_folder", "loras/bad")})
    error = unknown.json()["node_errors"]["2"]["errors"][0]
    assert (unknown.status_code, error["type"]) == (400, "value_not_in_list")


async def test_an_interrupt_waits_for_training_to_end_and_saves_nothing(
    double: ComfyUIDouble, http: httpx.AsyncClient
) -> None:
    folder = await upload_dataset(http, [(64, 64)] * 2)
    prefix = f"loras/cut{uuid.uuid4().hex[:6]}"
    client_id = uuid.uuid4().hex
    ws: ClientConnection = await connect(double.ws_url(client_id))
    try:
        answer = await http.post(
            "/prompt", json={"prompt": training_graph(folder, prefix, steps=10), "client_id": client_id}
        )
        prompt_id = answer.json()["prompt_id"]
        events: list[dict] = []
        interrupted_at = None
        while not events or events[-1]["type"] != "executing" or events[-1]["data"]["node"] is not None:
            events.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
            if events[-1]["type"] == "executing" and events[-1]["data"]["node"] == "4":
                interrupted_at = asyncio.get_running_loop().time()
                await http.post("/interrupt")
        waited = asyncio.get_running_loop().time() - (interrupted_at or 0)
    finally:
        await ws.close()
    # As on the real server: the training loop never checks, so the next node is the one interrupted.
    assert waited >= 10 * 0.05 * 0.9
    kinds = [e["type"] for e in events if e["type"] != "progress_state"]
    assert kinds[-4:] == ["executing", "execution_interrupted", "status", "executing"]
    stopped = next(e["data"] for e in events if e["type"] == "execution_interrupted")
    assert stopped["node_type"] in ("SaveLoRANode", "LossGraphNode") and stopped["prompt_id"] == prompt_id
    assert not any(name.startswith(prefix.split("/")[1]) for name in (await http.get("/models/loras")).json())


async def test_the_dataset_nodes_give_the_uploaded_pixels(double: ComfyUIDouble, http: httpx.AsyncClient) -> None:
    folder = await upload_dataset(http, [(16, 16), (16, 16)])
    prefix = f"set{uuid.uuid4().hex[:6]}"
    graph = {
        "1": {"class_type": "LoadImageSetFromFolderNode", "inputs": {"folder": folder, "resize_method": "None"}},
        "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": prefix}},
        "3": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "a.safetensors"}},
        "4": {
            "class_type": "LoadImageTextSetFromFolderNode",
            "inputs": {"folder": folder, "clip": ["3", 1], "resize_method": "Stretch", "width": 32, "height": 24},
        },
        "5": {"class_type": "SaveImage", "inputs": {"images": ["4", 0], "filename_prefix": prefix + "_big"}},
    }
    prompt_id, events = await run(double, http, graph)
    assert "execution_success" in sequence(events)
    outputs = (await http.get(f"/history/{prompt_id}")).json()[prompt_id]["outputs"]
    saved = []
    for image in outputs["2"]["images"]:
        view = await http.get("/view", params={"filename": image["filename"], "type": "output"})
        saved.append(np.asarray(Image.open(io.BytesIO(view.content))))
    uploaded = [np.asarray(Image.open(io.BytesIO(png(16, 16, i)))) for i in range(2)]
    # Directory order is not sorted, so compare as a set of pictures.
    assert sorted(p.tobytes() for p in saved) == sorted(p.tobytes() for p in uploaded)
    big = outputs["5"]["images"][0]
    view = await http.get("/view", params={"filename": big["filename"], "type": "output"})
    assert Image.open(io.BytesIO(view.content)).size == (32, 24)


async def test_training_goes_on_from_a_saved_lora_and_counts_its_steps(
    double: ComfyUIDouble, http: httpx.AsyncClient
) -> None:
    folder = await upload_dataset(http, [(64, 64)] * 2)
    tag = uuid.uuid4().hex[:6]
    await run(double, http, training_graph(folder, f"loras/first{tag}", steps=3))
    more = training_graph(folder, f"loras/more{tag}", steps=2)
    more["4"]["inputs"]["existing_lora"] = f"first{tag}_3_steps_00001_.safetensors"
    await run(double, http, more)
    assert f"more{tag}_5_steps_00001_.safetensors" in (await http.get("/models/loras")).json()
    # The real node reads the steps from the file name, so a LoRA not named by SaveLoRANode fails there.
    foreign = training_graph(folder, f"loras/other{tag}", steps=2)
    foreign["4"]["inputs"]["existing_lora"] = "x.safetensors"
    _, events = await run(double, http, foreign)
    error = next(e["data"] for e in events if e["type"] == "execution_error")
    assert (error["node_type"], error["exception_type"]) == ("TrainLoraNode", "ValueError")
    assert error["exception_message"] == "invalid literal for int() with base 10: 'x.safetensors'\n"


async def test_a_full_disk_fails_save_lora_with_the_real_servers_error(
    double: ComfyUIDouble, http: httpx.AsyncClient
) -> None:
    folder = await upload_dataset(http, [(64, 64)] * 2)
    prefix = f"loras/full{uuid.uuid4().hex[:6]}"
    assert double.control(lora_disk_full=1)["lora_disk_full"] == 1
    _, events = await run(double, http, training_graph(folder, prefix))
    error = next(e["data"] for e in events if e["type"] == "execution_error")
    # As a real 0.3.64 server said with its output/loras on a full tmpfs (safetensors 0.8 writes a temporary file)
    assert (error["node_type"], error["exception_type"], error["exception_message"]) == (
        "SaveLoRANode",
        "safetensors._safetensors_rust.SafetensorError",
        "Error while serializing: I/O error: No space left on device (os error 28)\n",
    )
    assert not list((Path(double.stats()["options"]["output_dir"]) / "loras").glob(prefix[6:] + "*"))
    assert double.control()["lora_disk_full"] == 0
    assert (await http.post("/__double/control", json={"lora_disk_full": -1})).status_code == 400


def test_an_older_server_has_no_training_nodes_and_says_its_version(tmp_path: Path) -> None:
    with ComfyUIDouble(tmp_path, training_nodes=False, comfyui_version="0.3.40") as old:
        with urllib.request.urlopen(f"{old.url}/object_info/TrainLoraNode", timeout=5) as answer:
            assert json.loads(answer.read()) == {}  # ComfyUI's answer for a class it does not have
        with urllib.request.urlopen(f"{old.url}/object_info", timeout=5) as answer:
            classes = json.loads(answer.read())
        with urllib.request.urlopen(f"{old.url}/system_stats", timeout=5) as answer:
            version = json.loads(answer.read())["system"]["comfyui_version"]
    assert "KSampler" in classes and not {"TrainLoraNode", "SaveLoRANode", "LossGraphNode"} & set(classes)
    assert version == "0.3.40"
