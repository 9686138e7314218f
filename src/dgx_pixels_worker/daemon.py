"""`dgx-pixels worker` / `python -m dgx_pixels_worker`: run the daemon in the foreground."""

from __future__ import annotations

import argparse
import logging
import sys

from . import event_loop
from .daemon_arguments import add_worker_arguments
from .protocol import WorkerError
from .settings.config import ConfigError, Settings, load_settings
from .worker import StartupError, Worker

EXIT_CONFIG = 2


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
