"""`dgx-pixels access`: this client's key, and the worker owner's grants (grant, list, revoke)."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dgx_pixels_worker.access.grants import GrantError, GrantsFile
from dgx_pixels_worker.access.keys import CLIENT, WORKER, KeyPair, KeyProblem, fingerprint, key_pair, key_paths
from dgx_pixels_worker.access.roster import owner_name
from dgx_pixels_worker.settings.config import ConfigError, Settings

from ..connection import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    ensure_worker,
    err,
    fail,
    load,
    print_json,
)


def own_key(settings: Settings) -> tuple[KeyPair, bool] | None:
    """This client's key pair, made on first use, and whether it was just made; None (said why) if it cannot be."""
    try:
        return key_pair(settings.security.resolved_keys_dir(), CLIENT)
    except KeyProblem as exc:
        err(str(exc))
        return None


def with_settings(handler: Callable[[argparse.Namespace, Settings], int]) -> Callable[[argparse.Namespace], int]:
    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            settings = load(args)
        except ConfigError as exc:
            return fail(args, str(exc), EXIT_USAGE, "config")
        return handler(args, settings)

    return run


@with_settings
def key(args: argparse.Namespace, settings: Settings) -> int:
    """This client's public key, made on first use: what a worker's owner needs to let you in."""
    keys_dir = settings.security.resolved_keys_dir()
    mine = own_key(settings)
    if mine is None:
        return EXIT_FAILED
    pair, created = mine
    public_path = key_paths(keys_dir, CLIENT)[0]
    if args.json:
        print_json({"public_key": pair.public_text, "file": str(public_path), "created": created})
        return EXIT_OK
    if created:
        print(f"made your key pair in {keys_dir} (the secret half never leaves it)")
    print(f"your public key: {pair.public_text}\nits file: {public_path}")
    print(
        "To use a teammate's worker, send them that file; "
        f"they run `dgx-pixels access grant YOUR-NAME {public_path.name}`."
    )
    return EXIT_OK


@with_settings
def grant(args: argparse.Namespace, settings: Settings) -> int:
    keys_dir = settings.security.resolved_keys_dir()
    name = owner_name() if args.self_ else args.name
    if not name:
        return fail(
            args, "name the person: `dgx-pixels access grant NAME KEYFILE` (or --self for another device of yours)"
        )
    try:
        key_text = (
            sys.stdin.read(4096) if args.keyfile == "-" else Path(args.keyfile).read_text(errors="replace")[:4096]
        )
    except OSError as exc:
        return fail(args, f"cannot read {args.keyfile}: {exc.strerror}")
    try:
        worker_keys, _ = key_pair(keys_dir, WORKER)
        made = GrantsFile(keys_dir).grant(name, key_text, admin=args.admin or args.self_)
    except (GrantError, KeyProblem) as exc:
        return fail(args, str(exc))
    if args.start:
        try:
            ensure_worker(argparse.Namespace(config=args.config), settings)
        except Exception as exc:  # SpawnError or WorkerError: the grant stands, the tunnel will say more
            return fail(args, f"the worker did not start: {exc}", EXIT_UNREACHABLE)
    details: dict[str, Any] = {
        "name": made.name,
        "admin": made.admin,
        "key": fingerprint(made.key.encode()),
        "worker_key": worker_keys.public_text,
        "rep": settings.worker.rep,
        "pub": settings.worker.pub,
    }
    if args.json:
        print_json(details)
        return EXIT_OK
    role = "an admin" if made.admin else "a member"
    print(f"granted {made.name} ({details['key']}…) as {role}; a running worker lets them in within a second")
    print(
        f"\nTell {made.name} this worker's key and address; in their ~/.config/dgx-pixels/config.toml:\n"
        f'  [client]\n  worker_key = "{worker_keys.public_text}"\n'
        f'  connect = "tcp://127.0.0.1:PORT"   # their end of `ssh -L PORT:127.0.0.1:{_port(settings.worker.rep)} ...`'
    )
    return EXIT_OK


@with_settings
def revoke(args: argparse.Namespace, settings: Settings) -> int:
    try:
        removed = GrantsFile(settings.security.resolved_keys_dir()).revoke(args.name)
    except GrantError as exc:
        return fail(args, str(exc), EXIT_FAILED)
    if not removed:
        return fail(args, f"no grant for {args.name!r}; `dgx-pixels access list` shows who has one", EXIT_FAILED)
    if args.json:
        print_json({"name": args.name, "revoked": removed})
        return EXIT_OK
    print(f"revoked {args.name} ({removed} key{'s' if removed != 1 else ''}); their next request is refused")
    return EXIT_OK


@with_settings
def list_grants(args: argparse.Namespace, settings: Settings) -> int:
    keys_dir = settings.security.resolved_keys_dir()
    try:
        grants = GrantsFile(keys_dir).read()
    except GrantError as exc:
        return fail(args, str(exc), EXIT_FAILED)
    owner = owner_name()
    rows = [{"name": owner, "admin": True, "key": "(this machine's client.key)", "granted_at": None}]
    rows += [
        {"name": g.name, "admin": g.admin, "key": fingerprint(g.key.encode()), "granted_at": g.granted_at}
        for g in grants
    ]
    if args.json:
        print_json(rows)
        return EXIT_OK
    if not settings.security.enabled:
        print('security is off ([security] curve = "off"): anyone who reaches the worker\'s port acts as you')
    width = max(len(str(r["name"])) for r in rows)
    for row in rows:
        role = "admin" if row["admin"] else "member"
        print(f"{row['name']:<{width}}  {role:<6}  {row['key']}")
    return EXIT_OK


def _port(address: str) -> str:
    return address.rsplit(":", 1)[-1]
