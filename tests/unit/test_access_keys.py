"""Key pairs, grants and the roster: the files `dgx-pixels access` and the worker share."""

import multiprocessing
import stat
from pathlib import Path

import pytest
import zmq.auth

from dgx_pixels_worker.access.addresses import is_loopback
from dgx_pixels_worker.access.grants import GrantError, GrantsFile
from dgx_pixels_worker.access.keys import CLIENT, key_pair, read_public_key
from dgx_pixels_worker.access.permissions import Permissions
from dgx_pixels_worker.access.roster import Roster
from dgx_pixels_worker.protocol import ErrorCode, WorkerError


@pytest.mark.parametrize(
    "endpoint, local",
    [
        ("tcp://127.0.0.1:5555", True),
        ("tcp://127.8.9.1:5555", True),
        ("tcp://localhost:1", True),
        ("tcp://[::1]:5555", True),
        ("ipc:///tmp/w.sock", True),
        ("tcp://0.0.0.0:5555", False),
        ("tcp://*:5555", False),
        ("tcp://192.168.1.4:5555", False),
        ("tcp://gpu-box:5555", False),
    ],
)
def test_loopback_detection(endpoint, local):
    assert is_loopback(endpoint) is local


def test_a_key_pair_is_made_once_and_kept_private(tmp_path):
    keys = tmp_path / "keys"
    first, created = key_pair(keys, CLIENT)
    again, created_again = key_pair(keys, CLIENT)
    assert created and not created_again and first == again
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    assert stat.S_IMODE((keys / "client.key_secret").stat().st_mode) == 0o600
    assert read_public_key((keys / "client.key").read_text()) == first.public


def _make(keys_dir):
    return key_pair(keys_dir, CLIENT)[0].public


def test_processes_starting_together_share_one_key_pair(tmp_path):
    with multiprocessing.get_context("fork").Pool(4) as pool:
        publics = pool.map(_make, [tmp_path / "keys"] * 8)
    assert len(set(publics)) == 1


def test_public_keys_are_read_from_files_or_bare_text_and_secrets_are_refused(tmp_path):
    public_path, secret_path = zmq.auth.create_certificates(tmp_path, "bob")
    public = zmq.auth.load_certificate(public_path)[0]
    assert read_public_key(Path(public_path).read_text()) == public
    assert read_public_key(public.decode() + "\n") == public
    with pytest.raises(ValueError, match="secret key"):
        read_public_key(Path(secret_path).read_text())
    with pytest.raises(ValueError, match="not a public key"):
        read_public_key("root:x:0:0:root:/root:/bin/bash")


def test_grants_add_devices_refuse_a_key_twice_and_revoke_by_name(tmp_path):
    grants = GrantsFile(tmp_path)
    laptop, desktop, other = (zmq.curve_keypair()[0].decode() for _ in range(3))
    grants.grant("bob", laptop)
    grants.grant("bob", desktop, admin=True)
    grants.grant("carol", other)
    with pytest.raises(GrantError, match="already granted to carol"):
        grants.grant("dave", other)
    with pytest.raises(GrantError, match="not a usable name"):
        grants.grant("../etc", laptop)
    assert [(g.name, g.admin) for g in grants.read()] == [("bob", False), ("bob", True), ("carol", False)]
    assert grants.revoke("bob") == 2 and grants.revoke("bob") == 0
    assert [g.name for g in grants.read()] == ["carol"]
    assert stat.S_IMODE(grants.path.stat().st_mode) == 0o600


def test_a_damaged_grants_file_is_named_with_the_fix(tmp_path):
    (tmp_path / "access.json").write_text("{not json")
    with pytest.raises(GrantError, match="damaged"):
        GrantsFile(tmp_path).read()


def test_the_roster_knows_the_owner_and_follows_grants(tmp_path):
    owner_key = key_pair(tmp_path, CLIENT)[0].public
    roster = Roster(tmp_path, "alice")
    assert roster.by_key(owner_key).name == "alice" and roster.by_key(owner_key).admin
    bob = zmq.curve_keypair()[0]
    assert roster.by_key(bob) is None
    GrantsFile(tmp_path).grant("bob", bob.decode())
    assert roster.by_key(bob).name == "bob"  # asked per connection: a fresh grant counts at once
    GrantsFile(tmp_path).revoke("bob")
    roster.refresh(force=True)
    assert roster.by_name("bob") is None and roster.by_name("alice").admin


def test_refusals_name_who_may():
    permissions = Permissions(lambda: ["alice"])
    permissions.check_job("bob", False, "cancel", "j1", "bob")
    permissions.check_job("alice", True, "cancel", "j1", "bob")
    with pytest.raises(WorkerError) as caught:
        permissions.check_job("carol", False, "cancel", "j1", "bob")
    assert caught.value.code == ErrorCode.FORBIDDEN
    assert caught.value.message == "job j1 belongs to bob: only bob or an admin (alice) may cancel it"
    with pytest.raises(WorkerError, match="belongs to alice: only alice may cancel it"):
        permissions.check_job("carol", False, "cancel", "j2", "alice")  # the only admin owns it
    with pytest.raises(WorkerError, match=r"only an admin of this worker \(alice\) may stop it"):
        permissions.check_admin(False, "stop it")


def test_announced_ipv4_mapped_endpoints_are_shown_plainly():
    from dgx_pixels_worker.worker import plain_endpoint

    assert plain_endpoint("tcp://[::ffff:127.0.0.1]:5556") == "tcp://127.0.0.1:5556"
    assert plain_endpoint("tcp://[::1]:5556") == "tcp://[::1]:5556"
