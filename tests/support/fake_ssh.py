"""A stand-in for `ssh HOST` in tests: the "remote" machine is this one with another environment.

`fake_ssh.py [-N] [-o OPT] [-L LPORT:HOST:RPORT]... HOST [COMMAND...]` either forwards the local ports over
real TCP until it is terminated (as `ssh -N -L` does), or runs COMMAND with the environment read from the
JSON file named by $FAKE_SSH_REMOTE_ENV, `dgx-pixels` meaning this checkout's command line.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading


def main(argv: list[str]) -> int:
    forwards, rest = [], list(argv)
    while rest and rest[0].startswith("-"):
        flag = rest.pop(0)
        if flag == "-L":
            forwards.append(rest.pop(0))
        elif flag == "-o":
            rest.pop(0)
    host, command = rest[0], rest[1:]
    if forwards:
        for spec in forwards:
            local, target_host, target_port = spec.split(":")
            listener = socket.create_server(("127.0.0.1", int(local)))
            threading.Thread(target=accept, args=(listener, target_host, int(target_port)), daemon=True).start()
        signal.sigwait({signal.SIGTERM, signal.SIGINT})
        return 0
    with open(os.environ["FAKE_SSH_REMOTE_ENV"]) as f:
        env = json.load(f)
    if command and command[0] == "dgx-pixels":
        command = [sys.executable, "-m", "dgx_pixels_tui.cli", *command[1:]]
    print(f"(fake ssh to {host})", file=sys.stderr)
    return subprocess.run(command, env=env).returncode


def accept(listener: socket.socket, host: str, port: int) -> None:
    while True:
        inbound, _ = listener.accept()
        outbound = socket.create_connection((host, port))
        for a, b in ((inbound, outbound), (outbound, inbound)):
            threading.Thread(target=pump, args=(a, b), daemon=True).start()


def pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    sys.exit(main(sys.argv[1:]))
