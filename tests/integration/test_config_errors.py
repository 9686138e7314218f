"""A configuration that cannot be used ends every command, and the worker, with a message and status 2."""

import subprocess
import sys

import pytest

from dgx_pixels_tui.cli import build_parser

from tests.support.worker_process import isolated_env

COMMANDS = [
    [],
    ["tui"],
    ["generate", "a knight", "--no-wait"],
    ["demo"],
    ["queue"],
    ["status"],
    ["models"],
    ["cancel", "abcd"],
    ["retry", "abcd"],
    ["compare", "a knight", "--models", "a,b"],
    ["vote", "c1", "1"],
    ["votes", "export"],
    ["leaderboard"],
    ["export", "abcd-0", "--bevy", "."],
    ["sheet", "abcd-0", "--out", "s.png"],
    ["keys"],
    ["access", "key"],
    ["access", "list"],
    ["worker"],
    ["worker", "stop"],
]


def known(commands):
    """The commands this version of the command line has."""
    [sub] = [a for a in build_parser()._actions if a.dest == "command"]
    return [c for c in commands if not c or c[0] in sub.choices]


def run_all(commands, env, cwd):
    """Every command at once: each only reads its configuration and stops."""
    processes = [
        subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for command in commands
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        results.append((process.args, process.returncode, out, err))
    return results


@pytest.mark.parametrize(
    "content, message",
    [
        ("[worker]\n# caf\xe9\n".encode("latin-1"), "config.toml line 2: not UTF-8 text (byte 0xe9)"),
        (b"[worker]\nheartbeat_s = 500\n", "config.toml line 2: worker.heartbeat_s: Input should be less than"),
    ],
)
def test_every_command_and_the_worker_say_which_line_and_exit_2(tmp_path, content, message):
    env = isolated_env(tmp_path)
    (tmp_path / "config-home" / "dgx-pixels").mkdir(parents=True)
    (tmp_path / "config-home" / "dgx-pixels" / "config.toml").write_bytes(content)
    cli = [[sys.executable, "-m", "dgx_pixels_tui.cli", *args] for args in known(COMMANDS)]
    daemon = [[sys.executable, "-m", "dgx_pixels_worker"]]
    for args, code, _, err in run_all(cli + daemon, env, tmp_path):
        assert code == 2, (args, err)
        assert message in err and "Traceback" not in err, (args, err)
    assert not (tmp_path / "data-home").exists()  # nothing started


def test_an_environment_variable_is_named_by_the_worker(tmp_path):
    env = isolated_env(tmp_path, {"DGX_PIXELS_WORKER__HEARTBEAT_S": "often"})
    [(_, code, _, err)] = run_all([[sys.executable, "-m", "dgx_pixels_worker"]], env, tmp_path)
    assert code == 2
    assert "DGX_PIXELS_WORKER__HEARTBEAT_S=often: worker.heartbeat_s: Input should be a valid number" in err
