"""Who may talk to the worker: loopback by default, CurveZMQ keys for anything wider."""

from __future__ import annotations

import ipaddress
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import zmq
import zmq.auth

WORKER_KEY = "worker"
CLIENT_KEY = "client"
AUTHORIZED_DIR = "authorized"


class SecurityError(Exception):
    """Refusal to start or connect insecurely, with the commands that fix it."""


def is_loopback(endpoint: str) -> bool:
    """True for ipc://, inproc:// and tcp:// on 127.0.0.0/8, ::1 or localhost; False for wildcards and the rest."""
    scheme, _, rest = endpoint.partition("://")
    if scheme in ("ipc", "inproc"):
        return True
    if scheme != "tcp" or not rest:
        return False
    host = urlsplit(f"//{rest}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # "*", interface names and host names may all reach beyond this machine


@dataclass(frozen=True)
class KeyPair:
    public: bytes
    secret: bytes | None


def load_keypair(keys_dir: Path, name: str, *, secret: bool) -> KeyPair | None:
    path = keys_dir / (f"{name}.key_secret" if secret else f"{name}.key")
    if not path.exists():
        return None
    public, secret_key = zmq.auth.load_certificate(path)
    return KeyPair(public, secret_key)


def create_keys(keys_dir: Path) -> list[Path]:
    """Make a worker key pair and a client key pair, and authorise that client. Never overwrites."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    keys_dir.chmod(0o700)
    authorized = keys_dir / AUTHORIZED_DIR
    authorized.mkdir(exist_ok=True)
    made = []
    for name in (WORKER_KEY, CLIENT_KEY):
        if not (keys_dir / f"{name}.key_secret").exists():
            public, secret = zmq.auth.create_certificates(keys_dir, name)
            Path(secret).chmod(0o600)
            made += [Path(public), Path(secret)]
    client_public = keys_dir / f"{CLIENT_KEY}.key"
    authorised_copy = authorized / f"{CLIENT_KEY}.key"
    if not authorised_copy.exists():
        shutil.copyfile(client_public, authorised_copy)
        made.append(authorised_copy)
    return made


def curve_required(endpoints: list[str], mode: str) -> bool:
    return mode == "on" or not all(is_loopback(e) for e in endpoints)


def worker_keys(keys_dir: Path, endpoints: list[str]) -> KeyPair:
    keys = load_keypair(keys_dir, WORKER_KEY, secret=True)
    if keys is None:
        wide = ", ".join(e for e in endpoints if not is_loopback(e)) or "the configured endpoints"
        raise SecurityError(
            f"refusing to bind {wide} without CurveZMQ keys: anyone who can reach it could drive this worker.\n"
            f"Run `dgx-pixels keys` to create them in {keys_dir}, copy worker.key, client.key and "
            f"client.key_secret to each client's keys folder, then start the worker again.\n"
            "Or bind to 127.0.0.1 and reach it through an SSH tunnel."
        )
    if not (keys_dir / AUTHORIZED_DIR).is_dir():
        raise SecurityError(f"{keys_dir / AUTHORIZED_DIR} is missing: run `dgx-pixels keys` to authorise a client")
    return keys


def apply_server_curve(socket: zmq.Socket[bytes], keys: KeyPair) -> None:
    socket.curve_secretkey = keys.secret
    socket.curve_publickey = keys.public
    socket.curve_server = True


def apply_client_curve(socket: zmq.Socket[bytes], keys_dir: Path) -> None:
    server = load_keypair(keys_dir, WORKER_KEY, secret=False)
    client = load_keypair(keys_dir, CLIENT_KEY, secret=True)
    if server is None or client is None:
        raise SecurityError(
            f"this worker needs CurveZMQ keys: put worker.key, client.key and client.key_secret in {keys_dir} "
            "(made by `dgx-pixels keys` on the worker's machine)"
        )
    socket.curve_serverkey = server.public
    socket.curve_publickey = client.public
    socket.curve_secretkey = client.secret
