"""A client's CurveZMQ credentials: its own key pair (made on first use) and the public key of the worker
it talks to, and what to tell the user when the worker will not let it in."""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass
from pathlib import Path

from ..access.addresses import is_loopback
from ..access.keys import CLIENT, WORKER, KeyPair, KeyProblem, key_pair, key_paths, read_public_key
from ..protocol import ErrorCode, WorkerError
from .spawn import listen_rows


@dataclass(frozen=True)
class Credentials:
    client: KeyPair
    worker: bytes  # the worker's public key, Z85
    created: Path | None  # the public key file made by this call, to tell the user where it is


def load_credentials(address: str, keys_dir: Path, worker_key: str) -> Credentials:
    """Raise WorkerError(ACCESS_DENIED) with the fix when the worker's key is unknown."""
    try:
        client, created = key_pair(keys_dir, CLIENT)
    except KeyProblem as exc:
        raise WorkerError(ErrorCode.ACCESS_DENIED, str(exc)) from None
    made = key_paths(keys_dir, CLIENT)[0] if created else None
    if worker_key:
        return Credentials(client, _configured_worker_key(worker_key), made)
    try:
        worker = read_public_key(key_paths(keys_dir, WORKER)[0].read_text())
    except (OSError, ValueError):
        raise WorkerError(ErrorCode.ACCESS_DENIED, no_worker_key(address, keys_dir)) from None
    return Credentials(client, worker, made)


def _configured_worker_key(value: str) -> bytes:
    text = value
    if len(value) != 40:
        try:
            text = Path(value).expanduser().read_text()
        except OSError as exc:
            raise WorkerError(
                ErrorCode.ACCESS_DENIED, f"[client] worker_key: cannot read {value}: {exc.strerror}"
            ) from None
    try:
        return read_public_key(text)
    except ValueError as exc:
        raise WorkerError(ErrorCode.ACCESS_DENIED, f"[client] worker_key: {exc}") from None


def no_worker_key(address: str, keys_dir: Path) -> str:
    held = someone_elses(address)
    if held:
        return held
    return (
        f"no key for the worker at {address}: a worker you start puts its key in {keys_dir}; for a teammate's "
        "worker, set [client] worker_key (or DGX_PIXELS_CLIENT__WORKER_KEY) to the key its owner gives you"
    )


def someone_elses(address: str) -> str:
    """A message when another local user's program listens at this loopback address, else ""."""
    if not is_loopback(address):
        return ""
    rows = listen_rows(address) if address.startswith("tcp://") else []
    if not rows or int(rows[0][7]) == os.getuid():
        return ""
    return (
        f"{address} is {_user_name(int(rows[0][7]))}'s worker, not yours. Start your own on other ports "
        "(`dgx-pixels --connect tcp://127.0.0.1:PORT` starts one there), or ask its owner to share it: "
        "`dgx-pixels access key` shows the key to send them"
    )


def refused(address: str, keys_dir: Path) -> str:
    """The worker's handshake turned this key away."""
    public = key_paths(keys_dir, CLIENT)[0]
    return (
        f"the worker at {address} does not know this client's key ({public}). Ask its owner to run "
        f"`dgx-pixels access grant YOUR-NAME {public.name}` with that file; `dgx-pixels access key` prints it"
    )


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"
