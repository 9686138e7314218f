"""Without a running ComfyUI server, `models` lists every preset of the library and says why it cannot run;
generating with one says the same, and `status` tells a server that is down from none configured."""

from __future__ import annotations

import json

from tests.support.cli import dgx
from tests.support.worker_process import FAST_CONFIG, free_ports

SHIPPED = {"sdxl-base", "sdxl-pixel-art", "sdxl-lightning-pixel", "pixel-art-diffusion-xl"}


def down_server_config(backend: str = "auto") -> str:
    port = free_ports(1)[0]  # nothing listens there
    return (
        FAST_CONFIG.replace("[worker]\n", f'[worker]\nbackend = "{backend}"\n')
        + f'\n[[backends]]\nname = "spark"\nurl = "http://127.0.0.1:{port}"\nhealth_interval_s = 30\n'
    )


def test_without_comfyui_every_preset_is_listed_with_why_and_generate_says_it(worker):
    env = worker.cli_env()
    models = {m["name"]: m for m in json.loads(dgx("models", "--json", env=env).stdout)["models"]}
    assert SHIPPED <= set(models)
    assert all(models[name]["available"] for name in ("procedural", "procedural-pico8", "procedural-gameboy"))
    pixel = models["sdxl-pixel-art"]
    assert pixel["available"] is False and pixel["kind"] == "comfyui"
    assert pixel["reason"].startswith("needs a ComfyUI server, and none is configured")
    assert "[[backends]]" in pixel["reason"] and pixel["checkpoint"] == "sd_xl_base_1.0.safetensors"
    table = dgx("models", env=env).stdout
    assert "sdxl-pixel-art" in table and "none is configured: add a [[backends]] table" in table
    generate = dgx("generate", "knight", "--model", "sdxl-pixel-art", "--no-wait", env=env)
    assert generate.returncode != 0 and "Traceback" not in generate.stderr
    assert "needs a ComfyUI server, and none is configured" in generate.stderr
    assert "unknown model" not in generate.stderr
    status = dgx("status", env=env).stdout
    assert "no ComfyUI server in use" in status and "dgx-pixels models" in status


def test_a_configured_server_that_is_down_is_named_in_models_generate_and_status(make_worker):
    worker = make_worker(down_server_config()).start()
    env = worker.cli_env()
    models = {m["name"]: m for m in json.loads(dgx("models", "--json", env=env).stdout)["models"]}
    assert SHIPPED <= set(models)
    reason = models["sdxl-base"]["reason"]
    assert reason.startswith("needs a running ComfyUI server, and spark is down (") and "127.0.0.1" in reason
    generate = dgx("generate", "knight", "--model", "sdxl-base", "--no-wait", env=env)
    assert generate.returncode != 0 and "spark is down" in generate.stderr
    status = dgx("status", env=env).stdout
    assert "no ComfyUI configured" not in status
    assert "spark is down" in status and "procedural generator" in status


def test_servers_left_out_by_the_backend_setting_are_the_reason(make_worker):
    worker = make_worker(down_server_config(backend="procedural")).start()
    models = {m["name"]: m for m in json.loads(dgx("models", "--json", env=worker.cli_env()).stdout)["models"]}
    reason = models["sdxl-pixel-art"]["reason"]
    assert models["sdxl-pixel-art"]["available"] is False
    assert '[worker] backend is "procedural"' in reason and 'set it to "auto"' in reason
    status = dgx("status", env=worker.cli_env()).stdout
    assert "no ComfyUI configured" not in status and "no ComfyUI server in use" in status


def test_a_preset_file_refused_is_named_without_comfyui_too(make_worker):
    worker = make_worker()
    models_dir = worker.root / "config-home" / "dgx-pixels" / "models"
    models_dir.mkdir(parents=True)
    (models_dir / "broken.toml").write_text('checkpoint = "x.safetensors"\nsteps = "many"\n')
    worker.start()
    problems = json.loads(dgx("models", "--json", env=worker.cli_env()).stdout)["problems"]
    assert any("broken.toml" in problem for problem in problems)
    assert "skipped" in dgx("models", env=worker.cli_env()).stdout
