"""`dgx-pixels keys`: CurveZMQ keys for a worker bound beyond loopback."""

from __future__ import annotations

import argparse
from pathlib import Path

from dgx_pixels_worker.serving.security import create_keys
from dgx_pixels_worker.settings.config import ConfigError

from ..connection import EXIT_OK, EXIT_USAGE, err, load


def main(args: argparse.Namespace) -> int:
    try:
        keys_dir = Path(args.keys_dir) if args.keys_dir else load(args).security.resolved_keys_dir()
    except ConfigError as exc:
        err(str(exc))
        return EXIT_USAGE
    made = create_keys(keys_dir)
    for path in made:
        print(f"created {path}")
    if not made:
        print(f"keys already exist in {keys_dir}; nothing changed")
    print(
        f"\nThe worker uses {keys_dir}/worker.key_secret and accepts the clients in {keys_dir}/authorized/.\n"
        f"On each client machine, copy worker.key, client.key and client.key_secret into its keys folder\n"
        f"($XDG_CONFIG_HOME/dgx-pixels/keys). To admit another client, copy its client.key into authorized/\n"
        f"under a name of its own (alice.key, laptop.key, ...) and restart the worker."
    )
    return EXIT_OK
