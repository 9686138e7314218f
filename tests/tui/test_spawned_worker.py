"""The worker the TUI starts is the TUI's child: when it stops, the TUI reaps it instead of keeping a zombie."""

import os
import re
import signal
from pathlib import Path

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.cli import build_parser, with_default_command
from dgx_pixels_tui.startup import WorkerOpener

from tests.support.pilot import SIZE, until
from tests.support.worker_process import free_ports


def zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False  # gone: reaped


async def test_a_worker_the_tui_started_is_reaped_when_it_stops(tmp_path, monkeypatch):
    for name in [name for name in os.environ if name.startswith("DGX_PIXELS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    rep, pub = free_ports(2)
    config = tmp_path / "c.toml"
    config.write_text(
        f'[worker]\nrep = "tcp://127.0.0.1:{rep}"\npub = "tcp://127.0.0.1:{pub}"\n[procedural]\nstep_delay_s = 0\n'
    )
    args = build_parser().parse_args(with_default_command(["--config", str(config)]))
    app = PixelsApp(opener=WorkerOpener(args))
    pid = 0
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.connection_line[0] == "connected", timeout=30, what="the spawned worker")
            started = " ".join(str(n.message) for n in app._notifications)
            pid = int(re.search(r"started a local worker .*\(pid (\d+)", started)[1])
            os.kill(pid, signal.SIGTERM)
            await until(pilot, lambda: not Path(f"/proc/{pid}").exists() or zombie(pid), timeout=20, what="it to end")
            await pilot.pause(0.5)
            assert not zombie(pid), f"worker {pid} left as a zombie"
    finally:
        if pid and Path(f"/proc/{pid}").exists() and not zombie(pid):
            os.kill(pid, signal.SIGKILL)
