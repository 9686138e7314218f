import pytest

from dgx_pixels_worker.serving.security import SecurityError, create_keys, curve_required, is_loopback, worker_keys


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
        ("tcp://eth0:5555", False),
    ],
)
def test_loopback_detection(endpoint, local):
    assert is_loopback(endpoint) is local


def test_wide_bind_needs_keys_and_says_how_to_make_them(tmp_path):
    endpoints = ["tcp://0.0.0.0:5555", "tcp://127.0.0.1:5556"]
    assert curve_required(endpoints, "auto")
    assert not curve_required(["tcp://127.0.0.1:1"], "auto") and curve_required(["tcp://127.0.0.1:1"], "on")
    with pytest.raises(SecurityError, match="dgx-pixels keys") as caught:
        worker_keys(tmp_path / "keys", endpoints)
    assert "tcp://0.0.0.0:5555" in str(caught.value)


def test_create_keys_is_idempotent_and_authorises_the_client(tmp_path):
    made = create_keys(tmp_path / "keys")
    assert {p.name for p in made} >= {"worker.key", "worker.key_secret", "client.key", "client.key_secret"}
    assert (tmp_path / "keys" / "authorized" / "client.key").exists()
    assert create_keys(tmp_path / "keys") == []
    assert worker_keys(tmp_path / "keys", ["tcp://0.0.0.0:1"]).secret


def test_announced_ipv4_mapped_endpoints_are_shown_plainly():
    from dgx_pixels_worker.worker import plain_endpoint

    assert plain_endpoint("tcp://[::ffff:127.0.0.1]:5556") == "tcp://127.0.0.1:5556"
    assert plain_endpoint("tcp://[::1]:5556") == "tcp://[::1]:5556"


def test_local_clients_of_a_wide_bound_worker_use_curve(tmp_path):
    from dgx_pixels_worker.client import AsyncClient
    from dgx_pixels_worker.settings.config import load_settings

    settings = load_settings(env={"DGX_PIXELS_WORKER__REP": "tcp://0.0.0.0:6000"})
    assert AsyncClient.from_settings(settings).use_curve
    assert not AsyncClient.from_settings(load_settings(env={})).use_curve
