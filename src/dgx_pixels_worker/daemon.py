"""`dgx-pixels worker` / `python -m dgx_pixels_worker`: run the daemon in the foreground."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from . import event_loop
from .config import ConfigError, Settings, load_settings
from .protocol import WorkerError
from .worker import StartupError, Worker

EXIT_CONFIG = 2


def add_worker_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rep", metavar="ADDR", help="command endpoint (default tcp://127.0.0.1:5555)")
    parser.add_argument("--pub", metavar="ADDR", help="event endpoint (default tcp://127.0.0.1:5556)")
    parser.add_argument("--data-dir", metavar="DIR", help="database and images (default $XDG_DATA_HOME/dgx-pixels)")
    parser.add_argument("--backend", choices=["auto", "procedural", "comfyui"], help="which backends render")
    parser.add_argument("--config", metavar="FILE", type=Path, help="configuration file instead of the user's")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


def settings_from(args: argparse.Namespace) -> Settings:
    return load_settings(
        args.config,
        overrides={"worker": {"rep": args.rep, "pub": args.pub, "data_dir": args.data_dir, "backend": args.backend}},
    )


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per ComfyUI request drowns the log
    try:
        settings = settings_from(args)
        event_loop.run(Worker(settings).run())
    except (ConfigError, StartupError, WorkerError) as exc:
        print(f"dgx-pixels worker: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dgx-pixels worker", description="Run the dgx-pixels worker daemon.")
    add_worker_arguments(parser)
    return run(parser.parse_args(argv))
