"""The owner's grants: which public keys belong to which teammates, and who among them is an admin.

Kept in `access.json` beside the worker's keys, written whole by rename, so `dgx-pixels access` works
whether or not the worker runs, and a running worker sees a change on its next check.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .keys import read_public_key

GRANTS_FILE = "access.json"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class GrantError(Exception):
    """A grant that cannot be made, read or removed, with what to do about it."""


@dataclass(frozen=True)
class Grant:
    name: str
    key: str  # the public key, Z85
    admin: bool = False
    granted_at: float = 0.0


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise GrantError(
            f"{name!r} is not a usable name: use up to 64 letters, digits, '.', '_', '@' or '-', starting with a "
            "letter or digit (for example alice or alice@laptop)"
        )
    return name


class GrantsFile:
    def __init__(self, keys_dir: Path):
        self.path = keys_dir / GRANTS_FILE

    def read(self) -> list[Grant]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise GrantError(f"cannot read {self.path}: {exc}") from None
        try:
            raw = json.loads(text)
            grants = [
                Grant(
                    str(g["name"]),
                    read_public_key(str(g["key"])).decode(),
                    bool(g.get("admin")),
                    float(g["granted_at"]),
                )
                for g in raw["grants"]
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise GrantError(f"{self.path} is damaged ({exc}); fix it or move it away and grant again") from None
        return grants

    def grant(self, name: str, key_text: str, admin: bool = False) -> Grant:
        """Let the key in; a name may hold several keys (one per device). Re-granting a key updates its entry."""
        check_name(name)
        try:
            key = read_public_key(key_text).decode()
        except ValueError as exc:
            raise GrantError(str(exc)) from None
        grants = self.read()
        for existing in grants:
            if existing.key == key and existing.name != name:
                raise GrantError(
                    f"this key is already granted to {existing.name}; `dgx-pixels access revoke {existing.name}` first"
                )
        made = Grant(name, key, admin, time.time())
        self._write([g for g in grants if g.key != key] + [made])
        return made

    def revoke(self, name: str) -> int:
        """Remove every key of `name`; the number removed."""
        grants = self.read()
        kept = [g for g in grants if g.name != name]
        if len(kept) != len(grants):
            self._write(kept)
        return len(grants) - len(kept)

    def _write(self, grants: list[Grant]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        text = json.dumps({"version": 1, "grants": [asdict(g) for g in grants]}, indent=2)
        try:
            fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".access-")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text + "\n")
            os.replace(temp, self.path)
        except OSError as exc:
            raise GrantError(f"cannot write {self.path}: {exc.strerror}") from None
