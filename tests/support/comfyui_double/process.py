"""Running the double as a child process (one process per simulated ComfyUI server) from tests and benchmarks.

double = ComfyUIDouble(tmp_path, checkpoints=["a.safetensors"], preview_method="latent2rgb").start()
double.url            # http://127.0.0.1:PORT
double.control(fail_next_prompt=True)
double.stats()["prompts_executed"]
double.restart()      # SIGKILL + start on the same port: queue and history are gone
double.kill()
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]
READY_PREFIX = "comfyui-double ready on "


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class ComfyUIDouble:
    def __init__(
        self,
        root: Path,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        step_time: float = 0.05,
        load_time: float = 0.0,
        checkpoints: Sequence[str] = (),
        loras: Sequence[str] = (),
        preview_method: str = "none",
        output_dir: Path | None = None,
        per_prompt_preview_method: bool = False,
        comfyui_version: str = "0.3.64",
        training_nodes: bool = True,
    ):
        self.root = Path(root)
        self.host = host
        self.port = port
        self.step_time = step_time
        self.load_time = load_time
        self.checkpoints = list(checkpoints)
        self.loras = list(loras)
        self.preview_method = preview_method
        self.per_prompt_preview_method = per_prompt_preview_method
        self.comfyui_version = comfyui_version
        self.training_nodes = training_nodes
        self.output_dir = output_dir or self.root / "output"
        self.log_path = self.root / "comfyui-double.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def ws_url(self, client_id: str | None = None) -> str:
        base = f"ws://{self.host}:{self.port}/ws"
        return f"{base}?clientId={client_id}" if client_id else base

    @property
    def command(self) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "tests.support.comfyui_double",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--step-time",
            str(self.step_time),
            "--load-time",
            str(self.load_time),
            "--preview-method",
            self.preview_method,
            "--base-dir",
            str(self.root),
            "--output-dir",
            str(self.output_dir),
        ]
        if self.checkpoints:
            command += ["--checkpoints", ",".join(self.checkpoints)]
        if self.loras:
            command += ["--loras", ",".join(self.loras)]
        if self.per_prompt_preview_method:
            command.append("--per-prompt-preview-method")
        command += ["--comfyui-version", self.comfyui_version]
        if not self.training_nodes:
            command.append("--no-training-nodes")
        return command

    def start(self, timeout: float = 15.0) -> ComfyUIDouble:
        if self.port is None:
            self.port = free_port(self.host)
        self.root.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        offset = log.tell()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(self.command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if READY_PREFIX in self._log_since(offset):
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"comfyui double exited with {self.process.returncode}:\n{self._log_since(offset)}")
            time.sleep(0.02)
        self.kill()
        raise RuntimeError(f"comfyui double did not become ready:\n{self._log_since(offset)}")

    def _log_since(self, offset: int) -> str:
        with self.log_path.open("rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")

    def log(self) -> str:
        return self._log_since(0) if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: everything in memory (queue, history, caches) is lost, like a crashed or restarted ComfyUI."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 10.0) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def restart(self, timeout: float = 15.0) -> ComfyUIDouble:
        self.kill()
        return self.start(timeout)

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"} if data else {}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def control(self, **changes: Any) -> dict:
        """POST /__double/control: step_time, load_time, fail_next_prompt, lora_disk_full, drop_websockets,
        slow_http_s, reject_next_prompt_with, stall."""
        return self._request("POST", "/__double/control", changes)

    def stats(self) -> dict:
        return self._request("GET", "/__double/stats")

    def __enter__(self) -> ComfyUIDouble:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.kill()
