"""`dgx-pixels worker` / `python -m dgx_pixels_worker`: run the daemon in the foreground."""

from __future__ import annotations

import argparse
import logging
import os
import stat
import sys
from pathlib import Path

from . import event_loop
from .daemon_arguments import add_worker_arguments
from .protocol import WorkerError
from .settings.config import ConfigError, Settings, load_settings
from .worker import StartupError, Worker

EXIT_CONFIG = 2
PRIVATE_UMASK = 0o077  # what the worker creates (database, images, lock, logs) is its owner's alone
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600

log = logging.getLogger("dgx_pixels_worker")


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
    os.umask(PRIVATE_UMASK)
    try:
        settings = settings_from(args)
        make_private(settings.worker.resolved_data_dir())
        event_loop.run(Worker(settings).run())
    except (ConfigError, StartupError, WorkerError) as exc:
        print(f"dgx-pixels worker: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        pass
    return 0


def make_private(data_dir: Path) -> None:
    """Make the data directory its owner's alone (0700), and, when an older version left it open to others,
    every directory and file in it too (0700 and 0600). Done at each start; a tree already private costs one
    stat. What cannot be changed (a file another user owns) is logged, and the worker starts anyway."""
    try:
        data_dir.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        if stat.S_IMODE(data_dir.stat().st_mode) & ~PRIVATE_DIR == 0:
            return
    except OSError as exc:
        log.warning("cannot make data directory %s private: %s", data_dir, exc.strerror)
        return
    refused: list[str] = []
    for root, dirs, files in os.walk(data_dir, onerror=lambda exc: refused.append(str(exc.filename))):
        for name in (*dirs, *files):
            path = os.path.join(root, name)
            try:
                mode = os.lstat(path).st_mode
                if not stat.S_ISLNK(mode):
                    os.chmod(path, PRIVATE_DIR if stat.S_ISDIR(mode) else PRIVATE_FILE)
            except OSError:
                refused.append(path)
    try:
        data_dir.chmod(PRIVATE_DIR)  # last: a start cut short walks the tree again next time
    except OSError:
        refused.append(str(data_dir))
    if refused:
        log.warning("could not make %d paths in %s private, e.g. %s", len(refused), data_dir, refused[0])
    else:
        log.info("made data directory %s and everything in it private to its owner (0700/0600)", data_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dgx-pixels worker", description="Run the dgx-pixels worker daemon.")
    add_worker_arguments(parser)
    return run(parser.parse_args(argv))
