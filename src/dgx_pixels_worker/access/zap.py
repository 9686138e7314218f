"""The ZAP handler: lets in the keys the roster knows, and names each connection after its person.

libzmq asks it once per connection, before any message flows; the name it returns is stamped on every
message of that connection as its `User-Id` property, which is where the worker reads who is asking.
"""

from __future__ import annotations

import logging
from typing import Any

import zmq
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils import z85

from .roster import Roster

log = logging.getLogger(__name__)


class RosterAuthenticator(ThreadAuthenticator):
    def __init__(self, context: zmq.Context[Any], roster: Roster):
        super().__init__(context, log=log)
        self.roster = roster

    def start(self) -> None:
        super().start()
        self.configure_curve_callback(domain="*", credentials_provider=self)

    def callback(self, domain: str, key: bytes) -> bool:
        """Called by the ZAP thread with the client's public key in Z85."""
        known = self.roster.by_key(key) is not None
        if not known:
            log.warning("refused a connection from an unknown key %s…", key[:8].decode("ascii", "replace"))
        return known

    def curve_user_id(self, client_public_key: bytes) -> str:
        identity = self.roster.by_key(z85.encode(client_public_key))
        return identity.name if identity is not None else ""
