"""`dgx-pixels tunnel HOST`: your own worker on another machine, in one step, over SSH.

It sends this client's public key through `ssh HOST dgx-pixels access grant --self`, which lets the key in
as another device of the worker's owner, starts the worker there if none runs, and answers with the
worker's key and ports. Then it forwards two local ports to them (`ssh -N -L ... -L ...`) and runs the TUI,
or the command given, through the forward; the forward ends with it.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import socket
import subprocess
import sys
import time
from typing import Any

from dgx_pixels_worker.access.keys import CLIENT, key_paths
from dgx_pixels_worker.client.spawn import listening
from dgx_pixels_worker.settings.config import Settings

from ..connection import EXIT_FAILED, EXIT_UNREACHABLE, err
from .access import own_key, with_settings

FORWARD_WAIT_S = 20.0


@with_settings
def main(args: argparse.Namespace, settings: Settings) -> int:
    mine = own_key(settings)
    if mine is None:
        return EXIT_FAILED
    pair, created = mine
    if created:
        keys_dir = settings.security.resolved_keys_dir()
        err(f"made your key pair in {keys_dir} (public key: {key_paths(keys_dir, CLIENT)[0]})")
    ssh = shlex.split(os.environ.get("DGX_PIXELS_SSH", "ssh"))
    remote = _grant_on(ssh, args.host, args.remote_command, pair.public_text)
    if isinstance(remote, int):
        return remote
    commands_port, events_port = (args.local_port, args.local_port + 1) if args.local_port else _free_ports()
    forward = subprocess.Popen(
        [
            *ssh,
            "-N",
            "-o",
            "ExitOnForwardFailure=yes",
            "-L",
            f"{commands_port}:127.0.0.1:{_port(remote['rep'])}",
            "-L",
            f"{events_port}:127.0.0.1:{_port(remote['pub'])}",
            args.host,
        ],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        local = f"tcp://127.0.0.1:{commands_port}"
        if not _wait_for(forward, local):
            problem = forward.stderr.read().decode(errors="replace").strip() if forward.stderr else ""
            err(f"the SSH forward to {args.host} did not open: {problem or 'no listener appeared'}")
            return EXIT_UNREACHABLE
        err(f"through {args.host}: commands {local}, events tcp://127.0.0.1:{events_port}")
        env = dict(os.environ)
        env.update(
            DGX_PIXELS_CONNECT=local,
            DGX_PIXELS_CLIENT__EVENTS=f"tcp://127.0.0.1:{events_port}",
            DGX_PIXELS_CLIENT__WORKER_KEY=remote["worker_key"],
            DGX_PIXELS_CLIENT__SPAWN="false",
        )
        command = args.run or ["tui"]
        return subprocess.run([sys.executable, "-m", "dgx_pixels_tui.cli", *command], env=env).returncode
    finally:
        forward.terminate()
        try:
            forward.wait(5)
        except subprocess.TimeoutExpired:
            forward.kill()


def _grant_on(ssh: list[str], host: str, remote_command: str, public_key: str) -> dict[str, Any] | int:
    command = [*ssh, host, *shlex.split(remote_command), "access", "grant", "--self", "--start", "--json", "-"]
    try:
        done = subprocess.run(command, input=public_key + "\n", capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        err(f"cannot run {ssh[0]!r}: install an SSH client, or point DGX_PIXELS_SSH at one")
        return EXIT_UNREACHABLE
    except subprocess.TimeoutExpired:
        err(f"`{shlex.join(command)}` did not finish within 120 s")
        return EXIT_UNREACHABLE
    if done.returncode != 0:
        err(
            f"on {host}, `{remote_command} access grant` failed (exit {done.returncode}):\n{done.stderr.strip()}\n"
            f"Is dgx-pixels installed there and on the PATH of non-interactive shells? Else pass --remote-command."
        )
        return EXIT_UNREACHABLE
    try:
        reply: dict[str, Any] = json.loads(done.stdout)
        for field in ("worker_key", "rep", "pub"):
            str(reply[field])
    except (ValueError, KeyError, TypeError):
        err(f"{host} answered something other than a grant:\n{done.stdout[:500]}")
        return EXIT_UNREACHABLE
    return reply


def _wait_for(forward: subprocess.Popen[bytes], address: str) -> bool:
    deadline = time.monotonic() + FORWARD_WAIT_S
    while time.monotonic() < deadline:
        if forward.poll() is not None:
            return False
        if listening(address):
            return True
        time.sleep(0.1)
    return False


def _free_ports() -> tuple[int, int]:
    sockets = [socket.socket() for _ in range(2)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        first, second = (s.getsockname()[1] for s in sockets)
        return first, second
    finally:
        for s in sockets:
            s.close()


def _port(address: str) -> str:
    return str(address).rsplit(":", 1)[-1]
