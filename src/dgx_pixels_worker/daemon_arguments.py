"""The worker's command-line options, shared by `dgx-pixels worker` and `python -m dgx_pixels_worker`
(argparse only)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_worker_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rep", metavar="ADDR", help="command endpoint (default tcp://127.0.0.1:5555)")
    parser.add_argument("--pub", metavar="ADDR", help="event endpoint (default tcp://127.0.0.1:5556)")
    parser.add_argument("--data-dir", metavar="DIR", help="database and images (default $XDG_DATA_HOME/dgx-pixels)")
    parser.add_argument("--backend", choices=["auto", "procedural", "comfyui"], help="which backends render")
    parser.add_argument("--config", metavar="FILE", type=Path, help="configuration file instead of the user's")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
