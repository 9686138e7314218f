"""The ComfyUI client's pure parts: binary frames, routing messages to prompts, availability, error wording."""

import json
import struct

from dgx_pixels_worker.backends.comfyui.availability import unavailable_reason
from dgx_pixels_worker.backends.comfyui.frames import PreviewFrame, TextFrame, parse_binary
from dgx_pixels_worker.backends.comfyui.routing import MessageRouter
from dgx_pixels_worker.backends.comfyui.validation_errors import explain_rejection
from dgx_pixels_worker.settings.presets import LoraRef, ModelPreset

JPEG = b"\xff\xd8\xff\xe0fake-jpeg"


def test_legacy_preview_frame():
    frame = parse_binary(struct.pack(">II", 1, 1) + JPEG)
    assert frame == PreviewFrame(JPEG, "image/jpeg", None, None)


def test_metadata_preview_frame_names_its_prompt():
    meta = json.dumps(
        {
            "node_id": "3",
            "prompt_id": "p1",
            "display_node_id": "3",
            "parent_node_id": None,
            "real_node_id": "3",
            "image_type": "image/jpeg",
        }
    ).encode()
    frame = parse_binary(struct.pack(">II", 4, len(meta)) + meta + JPEG)
    assert (frame.prompt_id, frame.node_id, frame.image, frame.mime) == ("p1", "3", JPEG, "image/jpeg")


def test_text_frame_and_junk():
    node = b"12"
    assert parse_binary(struct.pack(">II", 3, len(node)) + node + b"width: 32") == TextFrame("12", "width: 32")
    assert parse_binary(b"\x00\x00") is None
    assert parse_binary(struct.pack(">II", 2, 0)) is None  # unencoded previews never travel


def test_router_follows_the_reference_quirks():
    router = MessageRouter()
    mine = router.open("p1")
    router.on_json({"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 2}}}})
    assert router.queue_remaining == 2 and mine.messages.empty()
    router.on_json({"type": "execution_start", "data": {"prompt_id": "p1", "timestamp": 1}})
    # after a reconnect: executing without prompt_id belongs to the running prompt
    router.on_json({"type": "executing", "data": {"node": "3"}})
    router.on_preview(PreviewFrame(JPEG, "image/jpeg", None, None))  # legacy preview: the running prompt's
    router.on_json({"type": "execution_success", "data": {"prompt_id": "p1", "timestamp": 2}})
    router.on_json({"type": "executing", "data": {"node": None, "prompt_id": "p1"}})
    router.on_json({"type": "executing", "data": {"node": "9", "prompt_id": "someone-else"}})
    kinds = []
    while not mine.messages.empty():
        kinds.append(mine.messages.get_nowait()[0])
    assert kinds == ["execution_start", "executing", "preview", "execution_success", "executing"]
    assert router.running == "someone-else"


def test_a_dropped_socket_is_told_to_every_open_prompt():
    router = MessageRouter()
    a, b = router.open("a"), router.open("b")
    router.on_disconnect()
    assert a.messages.get_nowait()[0] == b.messages.get_nowait()[0] == "disconnected"


OBJECT_INFO = {
    "CheckpointLoaderSimple": {"input": {"required": {"ckpt_name": [["base.safetensors", "other.safetensors"], {}]}}},
    "LoraLoader": {"input": {"required": {"lora_name": [["sub/pixel.safetensors"], {}]}}},
}


def test_availability_names_the_missing_file_and_what_is_installed():
    ok = ModelPreset(name="a", checkpoint="base.safetensors", loras=[LoraRef(name="sub/pixel.safetensors")])
    assert unavailable_reason(ok, OBJECT_INFO, "gpu1") is None
    no_lora = ModelPreset(name="b", checkpoint="base.safetensors", loras=[LoraRef(name="pixel.safetensors")])
    reason = unavailable_reason(no_lora, OBJECT_INFO, "gpu1")
    assert "LoRA pixel.safetensors is not installed on gpu1" in reason and "sub/pixel.safetensors" in reason
    v3 = {"CheckpointLoaderSimple": {"input": {"required": {"ckpt_name": ["COMBO", {"options": ["x.safetensors"]}]}}}}
    assert "installed: x.safetensors" in unavailable_reason(ok, v3, "gpu2")


def test_validation_errors_become_actionable_sentences():
    preset = ModelPreset(name="sdxl-pixel-art", checkpoint="missing.safetensors")
    node_errors = {
        "4": {
            "errors": [
                {
                    "type": "value_not_in_list",
                    "message": "Value not in list",
                    "details": "ckpt_name: 'missing.safetensors' not in ['base.safetensors']",
                    "extra_info": {
                        "input_name": "ckpt_name",
                        "input_config": [["base.safetensors"], {}],
                        "received_value": "missing.safetensors",
                    },
                }
            ],
            "dependent_outputs": ["9"],
            "class_type": "CheckpointLoaderSimple",
        }
    }
    text = explain_rejection({"type": "prompt_outputs_failed_validation"}, node_errors, preset, "gpu1")
    assert text.startswith("gpu1 rejected preset sdxl-pixel-art")
    assert "checkpoint 'missing.safetensors' is not installed (installed: base.safetensors)" in text
