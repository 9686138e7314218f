"""CurveZMQ key pairs, the worker's and each client's: made on first use, readable by their owner alone."""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import zmq
import zmq.auth
from zmq.utils import z85

WORKER = "worker"
CLIENT = "client"
_PUBLIC_LINE = re.compile(r'public-key\s*=\s*"([^"]{40})"')


class KeyProblem(Exception):
    """A key that cannot be read or made, with what to do about it."""


@dataclass(frozen=True)
class KeyPair:
    public: bytes  # Z85, 40 characters
    secret: bytes

    @property
    def public_text(self) -> str:
        return self.public.decode("ascii")


def key_paths(keys_dir: Path, name: str) -> tuple[Path, Path]:
    return keys_dir / f"{name}.key", keys_dir / f"{name}.key_secret"


def key_pair(keys_dir: Path, name: str) -> tuple[KeyPair, bool]:
    """The named key pair in `keys_dir`, made first if missing; True when it was made by this call.

    The folder is 0700 and the secret 0600. Two processes starting at once (a client and the worker it
    spawns) make one pair between them: creation holds a lock and lands by rename."""
    secret_path = key_paths(keys_dir, name)[1]
    created = False
    if not secret_path.exists():
        try:
            keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            keys_dir.chmod(0o700)
            with os.fdopen(os.open(keys_dir / ".lock", os.O_WRONLY | os.O_CREAT, 0o600), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not secret_path.exists():
                    _make_pair(keys_dir, name)
                    created = True
        except OSError as exc:
            raise KeyProblem(f"cannot make a key pair in {keys_dir}: {exc.strerror}; set [security] keys_dir") from None
    try:
        public, secret = zmq.auth.load_certificate(secret_path)
    except (OSError, ValueError) as exc:
        raise KeyProblem(f"cannot read {secret_path}: {exc}; move it away to make a new pair") from None
    if secret is None:
        raise KeyProblem(f"{secret_path} holds no secret key; move it away to make a new pair")
    return KeyPair(public, secret), created


def _make_pair(keys_dir: Path, name: str) -> None:
    staging = Path(tempfile.mkdtemp(dir=keys_dir, prefix=".new-"))
    try:
        zmq.auth.create_certificates(staging, name)
        for made in staging.iterdir():
            made.chmod(0o600 if made.name.endswith("_secret") else 0o644)
        # The public half first: whoever sees the secret can rely on the public key being there.
        os.replace(staging / f"{name}.key", keys_dir / f"{name}.key")
        os.replace(staging / f"{name}.key_secret", keys_dir / f"{name}.key_secret")
    finally:
        for leftover in staging.iterdir():
            leftover.unlink()
        staging.rmdir()


def read_public_key(text: str) -> bytes:
    """A public key from a `.key` file's text or a bare 40-character Z85 key; ValueError says what was wrong."""
    found = _PUBLIC_LINE.search(text)
    candidate = found.group(1) if found else text.strip()
    if "secret-key" in text:
        raise ValueError("this is a secret key file: send the public one (client.key), never client.key_secret")
    if len(candidate) != 40:
        raise ValueError("not a public key: expected a dgx-pixels client.key file or a 40-character Z85 key")
    try:
        if len(z85.decode(candidate.encode("ascii"))) != 32:
            raise ValueError
    except (ValueError, UnicodeEncodeError, KeyError):
        raise ValueError("not a public key: the 40 characters are not Z85") from None
    return candidate.encode("ascii")


def public_key_file(keys_dir: Path, name: str) -> bytes | None:
    """The public key of the named pair, or None when it does not exist (yet)."""
    try:
        return read_public_key(key_paths(keys_dir, name)[0].read_text())
    except (OSError, ValueError):
        return None


def fingerprint(public: bytes) -> str:
    """A short form of a public key for lists: its first 8 characters."""
    return public[:8].decode("ascii")
