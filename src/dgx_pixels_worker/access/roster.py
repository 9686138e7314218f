"""Who the worker knows, as it knows it now: its owner's own keys, and the grants, re-read when they change."""

from __future__ import annotations

import getpass
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .grants import GrantError, GrantsFile
from .keys import CLIENT, key_paths, public_key_file

log = logging.getLogger(__name__)
RECHECK_S = 1.0  # a revoke reaches the requests of open connections within this


@dataclass(frozen=True)
class Identity:
    name: str
    admin: bool


class Roster:
    """Thread-safe: the ZAP thread asks by key, the request loop by name."""

    def __init__(self, keys_dir: Path, owner: str):
        self.owner = Identity(owner, admin=True)
        self._keys_dir = keys_dir
        self._grants = GrantsFile(keys_dir)
        self._lock = threading.Lock()
        self._stamp: tuple[float, ...] = ()
        self._checked = float("-inf")
        self._by_key: dict[bytes, Identity] = {}
        self._by_name: dict[str, Identity] = {}
        self.refresh(force=True)

    def by_key(self, public: bytes) -> Identity | None:
        """Asked once per connection, so a grant made a moment ago already counts."""
        self.refresh(max_age=0.0)
        return self._by_key.get(public)

    def by_name(self, name: str) -> Identity | None:
        """The identity as granted now; None once its last key is revoked."""
        self.refresh()
        return self._by_name.get(name)

    def names(self) -> list[Identity]:
        self.refresh()
        return list(self._by_name.values())

    def refresh(self, max_age: float = RECHECK_S, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked < max_age:
            return
        with self._lock:
            self._checked = now
            stamp = tuple(_mtime(p) for p in (self._grants.path, key_paths(self._keys_dir, CLIENT)[0]))
            if stamp == self._stamp and not force:
                return
            self._stamp = stamp
            by_key: dict[bytes, Identity] = {}
            owner_key = public_key_file(self._keys_dir, CLIENT)
            if owner_key is not None:
                by_key[owner_key] = self.owner
            try:
                grants = self._grants.read()
            except GrantError as exc:
                log.error("%s; keeping the grants read before", exc)
                return
            for grant in grants:
                is_owner = grant.name == self.owner.name
                by_key.setdefault(grant.key.encode(), Identity(grant.name, grant.admin or is_owner))
            by_name = {self.owner.name: self.owner}
            for identity in by_key.values():
                if identity.name not in by_name or identity.admin:
                    by_name[identity.name] = identity
            self._by_key, self._by_name = by_key, by_name


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime_ns / 1e9
    except OSError:
        return 0.0


def owner_name() -> str:
    """The Unix user running this process: the worker's owner and first admin."""
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return f"uid{os.getuid()}"
