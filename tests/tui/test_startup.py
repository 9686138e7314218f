"""How `dgx-pixels` opens the TUI: it draws first, then reaches the worker; startup failures end it with a message."""

import argparse
import subprocess
import sys

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.cli import build_parser, with_default_command
from dgx_pixels_tui.startup import WorkerOpener

from tests.support.pilot import SIZE, until
from tests.support.worker_process import free_ports


def tui_args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(with_default_command(list(argv)))


def test_options_alone_open_the_tui():
    args = tui_args("--connect", "tcp://10.0.0.5:5555", "--no-spawn")
    assert args.command == "tui"
    assert args.connect == "tcp://10.0.0.5:5555" and args.no_spawn
    assert tui_args().command == "tui"
    assert tui_args("queue").command == "queue"


def test_the_app_module_loads_without_the_client_library():
    """The first frame must not wait for pydantic, ZeroMQ or msgpack: they load once the app is drawn."""
    code = (
        "import sys\nimport dgx_pixels_tui.cli, dgx_pixels_tui.app, dgx_pixels_tui.commands.tui\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'zmq', 'msgpack', 'httpx', 'PIL'})\n"
        "print(heavy); sys.exit(1 if heavy else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


async def test_opened_from_the_command_line_arguments_it_connects_to_the_worker(worker, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(worker.root / "config-home"))  # the worker owner's keys
    app = PixelsApp(opener=WorkerOpener(tui_args("--connect", worker.rep, "--no-spawn")))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "connected" in app.connection_line[1], what="connection")
        assert worker.rep in app.connection_line[1]
        assert app.client.address == worker.rep


async def test_no_worker_and_no_spawn_ends_the_app_with_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (port,) = free_ports(1)
    app = PixelsApp(opener=WorkerOpener(tui_args("--connect", f"tcp://127.0.0.1:{port}", "--no-spawn")))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.return_code is not None, what="the app to give up")
    assert app.return_code == 3
    assert "start one with `dgx-pixels worker`" in app.startup_error


async def test_a_broken_configuration_file_ends_the_app_with_the_file_named(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("[worker\nrep = 1\n")
    app = PixelsApp(opener=WorkerOpener(tui_args("--config", str(config), "--no-spawn")))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.return_code is not None, what="the app to give up")
    assert app.return_code == 2
    assert "bad.toml: not valid TOML" in app.startup_error


async def test_a_new_user_sees_where_their_key_is_and_why_a_worker_refuses_them(worker, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "newcomer"))  # no keys yet, and no grant
    app = PixelsApp(opener=WorkerOpener(tui_args("--connect", worker.rep, "--no-spawn")))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "not let in" in app.connection_line[1], what="the refusal")
        assert "worker_key" in app.connection_line[1]  # what to do about it
        shown = " ".join(str(n.message) for n in app._notifications)
        assert f"public key is {tmp_path / 'newcomer' / 'dgx-pixels' / 'keys' / 'client.key'}" in shown
