"""Where a client subscribes: the announced events address, through forwards and across address families."""

import pytest

from dgx_pixels_worker.client import events_endpoint_for


@pytest.mark.parametrize(
    ("connect", "events", "commands", "expected"),
    [
        # the worker's own ports, each socket on its own family: each keeps it
        ("tcp://[::1]:5555", "tcp://127.0.0.1:5556", "tcp://[::1]:5555", "tcp://127.0.0.1:5556"),
        ("tcp://127.0.0.1:5555", "tcp://[::1]:5556", "tcp://127.0.0.1:5555", "tcp://[::1]:5556"),
        ("tcp://localhost:5555", "tcp://127.0.0.1:5556", "tcp://127.0.0.1:5555", "tcp://127.0.0.1:5556"),
        # a worker that does not announce its command endpoint (older ones) is treated alike
        ("tcp://[::1]:5555", "tcp://127.0.0.1:5556", "", "tcp://127.0.0.1:5556"),
        # a tunnel on the same port numbers: the tunnel's local end
        ("tcp://127.0.0.1:5555", "tcp://127.0.0.1:5556", "tcp://127.0.0.1:5555", "tcp://127.0.0.1:5556"),
        # a tunnel on other local ports, forwarded in pairs: the port beside the command port
        ("tcp://127.0.0.1:35555", "tcp://127.0.0.1:25556", "tcp://127.0.0.1:25555", "tcp://127.0.0.1:35556"),
        ("tcp://[::1]:35555", "tcp://127.0.0.1:25556", "tcp://[::1]:25555", "tcp://[::1]:35556"),
        ("tcp://127.0.0.1:35555", "tcp://127.0.0.1:25560", "tcp://127.0.0.1:25555", "tcp://127.0.0.1:35560"),
        # another machine by name, the worker bound to every address of either family
        ("tcp://gpu-box:5555", "tcp://0.0.0.0:5556", "tcp://0.0.0.0:5555", "tcp://gpu-box:5556"),
        ("tcp://gpu-box:5555", "tcp://[::]:5556", "tcp://*:5555", "tcp://gpu-box:5556"),
        ("tcp://[fd00::7]:5555", "tcp://[::]:5556", "tcp://*:5555", "tcp://[fd00::7]:5556"),
        ("tcp://gpu-box:5555", "tcp://[::ffff:0.0.0.0]:5556", "tcp://0.0.0.0:5555", "tcp://gpu-box:5556"),
        # an IPv4-mapped announcement is plain IPv4
        ("tcp://127.0.0.1:5555", "tcp://[::ffff:127.0.0.1]:5556", "", "tcp://127.0.0.1:5556"),
        # not tcp: as announced
        ("ipc:///tmp/w.rep", "ipc:///tmp/w.pub", "ipc:///tmp/w.rep", "ipc:///tmp/w.pub"),
    ],
)
def test_the_events_address_follows_the_command_address(connect, events, commands, expected):
    assert events_endpoint_for(connect, events, commands) == expected
