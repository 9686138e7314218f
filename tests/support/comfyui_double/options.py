"""Command-line options of the double; one `DoubleOptions` describes one simulated server."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

PREVIEW_METHODS = ("none", "auto", "latent2rgb", "taesd")


@dataclass
class DoubleOptions:
    host: str = "127.0.0.1"
    port: int = 8188
    step_time: float = 0.05
    load_time: float = 0.0
    checkpoints: list[str] = field(default_factory=list)
    loras: list[str] = field(default_factory=list)
    preview_method: str = "none"
    base_dir: Path | None = None
    output_dir: Path | None = None
    # Newer servers (mid-2026 on) take the preview method of each prompt from extra_data.preview_method;
    # 0.3.64, which the double copies by default, ignores that key.
    per_prompt_preview_method: bool = False
    # An older server: another version in /system_stats, and without the native LoRA training nodes.
    comfyui_version: str = "0.3.64"
    training_nodes: bool = True

    @property
    def previews_enabled(self) -> bool:
        # auto and taesd fall back to latent2rgb when no TAESD decoder is installed, as on the real server
        return self.preview_method != "none"


def _name_list(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def parse_options(argv: list[str] | None = None) -> DoubleOptions:
    parser = argparse.ArgumentParser(prog="python -m tests.support.comfyui_double", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8188)
    parser.add_argument("--step-time", type=float, default=0.05, help="seconds per KSampler step")
    parser.add_argument("--load-time", type=float, default=0.0, help="seconds to load a checkpoint from disk")
    parser.add_argument("--checkpoints", type=_name_list, default=[], help="comma-separated checkpoint file names")
    parser.add_argument(
        "--loras", type=_name_list, default=[], help="comma-separated LoRA file names (sub/x.safetensors allowed)"
    )
    parser.add_argument("--preview-method", choices=PREVIEW_METHODS, default="none")
    parser.add_argument(
        "--base-dir", type=Path, default=None, help="holds models/, input/, temp/ (and output/ unless --output-dir)"
    )
    parser.add_argument("--output-dir", type=Path, default=None)
    parser.add_argument(
        "--per-prompt-preview-method",
        action="store_true",
        help="act as a newer server: a prompt's extra_data.preview_method overrides --preview-method",
    )
    parser.add_argument("--comfyui-version", default="0.3.64", help="the version /system_stats reports")
    parser.add_argument(
        "--no-training-nodes",
        action="store_true",
        help="act as a server older than 0.3.6x: no TrainLoraNode, SaveLoRANode or dataset nodes",
    )
    args = parser.parse_args(argv)
    return DoubleOptions(
        host=args.host,
        port=args.port,
        step_time=args.step_time,
        load_time=args.load_time,
        checkpoints=args.checkpoints,
        loras=args.loras,
        preview_method=args.preview_method,
        base_dir=args.base_dir,
        output_dir=args.output_dir,
        per_prompt_preview_method=args.per_prompt_preview_method,
        comfyui_version=args.comfyui_version,
        training_nodes=not args.no_training_nodes,
    )
