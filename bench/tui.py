"""TUI figures: start-up to the first frame, memory at that moment, preview rendering, and key-to-frame latency.

first_frame_ms       wall time from just before spawning a fresh `python -c` (the parent's `time.time()`, passed
                     as an argument) to the app's `Ready` event in the child, which Textual posts right after the
                     first compositor frame was encoded and handed to the driver's writer thread (Screen's first
                     layout refresh, textual/screen.py). The child runs PixelsApp with the real Linux driver on a
                     pseudo-terminal of 120x36 cells that this process drains, its client opened the way the
                     command opens it (after the first frame) but answered by the recorded worker
                     (tests/support/recorded_worker.py: fixed answers, no sockets). Median of --runs runs after
                     one unmeasured warm-up run (the page cache and .pyc files are warm, as on a second launch).
                     It covers interpreter start, imports, CSS parsing, composing the Generate screen and
                     drawing it.
first_frame_cli_ms   the same for the real command, `dgx-pixels --connect ADDR --no-spawn`, against a real worker
                     on loopback: argument parsing and reading `[tui] preview` from the configuration layers
                     included. DGX_PIXELS_TUI__PREVIEW=halfblock is set because nobody answers the terminal's
                     graphics query on this pseudo-terminal (a real terminal answers in milliseconds; one that
                     never answers costs the query's 1 s timeout, see docs/previews.md).
connected_ms         from the same start to the connection line turning "connected" (recorded worker), and
connected_cli_ms     for the real command: settings loaded, worker probed, client made, hello answered.
bare_textual_first_frame_ms  the same for a plain Textual app (Header, Static, two Inputs, Footer), run in the
                     same way in the same run: the floor that Textual and this machine set.
rss_mb               VmRSS of the child at Ready (/proc/self/status), median, recorded worker; rss_cli_mb: command.
halfblock_64_ms      bench/tui_render.py's figures, measured by its own `measure` (64x64 sprite and the same
halfblock_512_ms     upscaled to 512x512, drawn into 64x32 cells; median of --render-runs runs).
key_to_frame_p50_ms  the real PixelsApp under `run_test()` (headless, 120x36) on the Queue screen, connected to a
key_to_frame_p95_ms  real worker that streams progress and a preview at every step (procedural.step_delay_s =
                     0.05, progress and preview intervals 0): four jobs of 20 images each are queued and the
                     queue is kept at four unfinished jobs while measuring (the procedural backend runs one job
                     at a time, so one streams and three wait; finished jobs pile up below and reorder the table).
                     A "down" (or "up" at the bottom) key event is sent the way the terminal driver sends one
                     (`driver.send_message(events.Key(...))`), --presses times after 10 unmeasured ones, 20-40 ms
                     apart. The time runs from just before the key is sent to the end of the first frame that
                     shows the moved cursor: `App._display` is wrapped, and a frame counts when, at that moment,
                     the table's cursor is on the expected row and the table (or the whole screen) is among the
                     widgets that frame repainted (`Screen._dirty_widgets`, private Textual state) -- repaint
                     regions accumulate on the widget until the compositor takes them, so a frame that repaints the
                     table after the cursor moved includes the move (checked once against the frames' spans: every
                     frame counted over 110 presses repainted the cursor's line). Headless Textual skips encoding
                     frames for a terminal, so the wrapper also calls `render_segments()` on every frame, as the Linux
                     driver does; the figure thus covers key dispatch, the binding's action, Textual's update
                     timer (up to 1/60 s), compositing and ANSI encoding, but not the write to a terminal.
                     Presses whose cursor was moved by a queue redraw before a frame showed it are dropped
                     (counted in key_to_frame_lost).

  python bench/tui.py [--json] [--runs N] [--presses N] [--render-runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import pty
import random
import struct
import subprocess
import sys
import termios
import threading
import time

from textual import events
from textual._compositor import CompositorUpdate
from textual.widgets import DataTable

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_worker.protocol import messages as m

import tui_render
from _harness import ROOT, median, percentile, report, start_worker

from tests.support.worker_process import FAST_CONFIG

COLUMNS, LINES = 120, 36
STREAMING_CONFIG = """
[worker]
heartbeat_s = 1.0
progress_interval_s = 0.0
preview_interval_s = 0.0
[procedural]
step_delay_s = 0.05
"""
BUSY_JOBS = 4
IMAGES_PER_JOB = 20
WARMUP_PRESSES = 10
FRAME_TIMEOUT_S = 2.0

TARGETS = {
    "first_frame_ms": "target <= 450",
    "first_frame_cli_ms": "target <= 450",
    "rss_mb": "target <= 60",
    "halfblock_64_ms": tui_render.TARGETS["halfblock_64_ms"],
    "halfblock_512_ms": tui_render.TARGETS["halfblock_512_ms"],
    "key_to_frame_p95_ms": "target <= 50",
}

# The child: reports at Ready (posted right after the first frame is written) and when the link first connects.
CHILD = r"""
import sys, time
start = float(sys.argv[1])
mode, address, root = sys.argv[2], sys.argv[3], sys.argv[4]
import json

if mode == "bare":  # a plain Textual app with a few widgets: what any Textual program costs on this machine
    from textual.app import App
    from textual.widgets import Footer, Header, Input, Static

    class Bare(App):
        def compose(self):
            yield Header()
            yield Static("dgx-pixels")
            yield Input(placeholder="prompt")
            yield Input(placeholder="negative")
            yield Footer()

        def on_ready(self):
            ms = (time.time() - start) * 1000
            sys.__stdout__.write(json.dumps({"first_frame_ms": ms, "connected_ms": ms, "rss_mb": 0}) + "\n")
            self.exit()

    Bare().run()
    sys.exit()
from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.link import LinkState

marks = {}
shown, connected = PixelsApp.on_ready, PixelsApp.on_connection_changed


def on_ready(self):
    marks["first_frame_ms"] = (time.time() - start) * 1000
    marks["rss_mb"] = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:")) / 1024
    shown(self)


def on_connection_changed(self, message):
    connected(self, message)
    if message.state is LinkState.CONNECTED and "connected_ms" not in marks:
        marks["connected_ms"] = (time.time() - start) * 1000
        sys.__stdout__.write(json.dumps(marks) + "\n")
        sys.__stdout__.flush()
        self.exit()


PixelsApp.on_ready, PixelsApp.on_connection_changed = on_ready, on_connection_changed
if mode == "recorded":
    sys.path.insert(0, root)

    class RecordedOpener:
        async def open(self):
            from dgx_pixels_tui.startup import Opened
            from tests.support.recorded_worker import RecordedClient

            return Opened(RecordedClient(address), "")

    PixelsApp(opener=RecordedOpener()).run()
else:
    from dgx_pixels_tui.cli import main

    main(["--connect", address, "--no-spawn"])
"""


# ---------------------------------------------------------------- first frame


def _drain(fd: int) -> None:
    """Read what the child draws until its side of the pseudo-terminal closes, so it never blocks writing."""
    while True:
        try:
            if not os.read(fd, 65536):
                return
        except OSError:
            return


def first_frame_once(mode: str, address: str, base_env: dict[str, str] | None = None) -> dict[str, float]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    env = dict(
        base_env or os.environ,
        COLUMNS=str(COLUMNS),
        LINES=str(LINES),
        TERM="xterm-256color",
        COLORTERM="truecolor",
        DGX_PIXELS_TUI__PREVIEW="halfblock",
    )
    drain = threading.Thread(target=_drain, args=(master,), daemon=True)
    drain.start()
    start = time.time()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, repr(start), mode, address, str(ROOT)],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        out, _ = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(master)
        drain.join(5)
    lines = [line for line in out.decode().splitlines() if line.startswith("{")]
    if child.returncode != 0 or not lines:
        raise RuntimeError(f"the {mode} first-frame child exited with {child.returncode}: {out.decode()!r}")
    return json.loads(lines[-1])


def first_frames(
    mode: str, address: str, runs: int, suffix: str, env: dict[str, str] | None = None
) -> dict[str, float]:
    first_frame_once(mode, address, env)  # warm-up: .pyc files and the page cache
    samples = [first_frame_once(mode, address, env) for _ in range(runs)]
    return {f"{key}{suffix}": median([s[key] for s in samples]) for key in ("first_frame_ms", "connected_ms", "rss_mb")}


def measure_first_frames(runs: int) -> dict[str, float]:
    from tests.support.recorded_worker import ADDRESS

    figures = {"bare_textual_first_frame_ms": first_frames("bare", "", runs, "")["first_frame_ms"]}
    figures.update(first_frames("recorded", ADDRESS, runs, ""))
    worker = start_worker(FAST_CONFIG)
    try:
        cli = first_frames("cli", worker.rep, runs, "", worker.cli_env())  # its keys: the worker lets in no other
    finally:
        worker.terminate()
    figures.update({key.replace("_ms", "_cli_ms").replace("_mb", "_cli_mb"): value for key, value in cli.items()})
    return figures


# ---------------------------------------------------------------- key to frame


class FrameProbe:
    """Wraps App._display: encodes every frame as the terminal driver would, and notices the awaited cursor move."""

    def __init__(self, app: PixelsApp, table: DataTable[object]):
        self.app = app
        self.table = table
        self.original = app._display
        self.expected_row: int | None = None
        self.shown: asyncio.Future[float] | None = None
        self.frames = 0
        app._display = self._display  # type: ignore[method-assign]

    def _display(self, screen, renderable) -> None:
        self.original(screen, renderable)
        if renderable is None:
            return
        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(self.app.console)  # what LinuxDriver does with every frame
        self.frames += 1
        if self.shown is None or self.shown.done() or self.table.cursor_row != self.expected_row:
            return
        if self.table in screen._dirty_widgets or screen in screen._dirty_widgets:
            self.shown.set_result(time.perf_counter())

    async def press(self) -> float | None:
        """Send one cursor key; the milliseconds until a frame showed it, or None if a redraw got in the way."""
        table = self.table
        row = table.cursor_row
        key, self.expected_row = ("down", row + 1) if row + 1 < table.row_count else ("up", row - 1)
        self.shown = asyncio.get_running_loop().create_future()
        began = time.perf_counter()
        self.app._driver.send_message(events.Key(key, None))
        try:
            shown = await asyncio.wait_for(asyncio.shield(self.shown), FRAME_TIMEOUT_S)
        except TimeoutError:
            return None
        finally:
            self.expected_row = None
        return (shown - began) * 1000


async def until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def keep_busy(app: PixelsApp, feeder) -> None:
    """Keep BUSY_JOBS unfinished jobs of IMAGES_PER_JOB images in the queue."""
    n = 0
    while True:
        unfinished = sum(1 for job in app.link.mirror.jobs.values() if not job.state.terminal)
        for _ in range(BUSY_JOBS - unfinished):
            n += 1
            await feeder.generate(f"knight with a sword {n}", seed=n, count=IMAGES_PER_JOB, width=64, height=64)
        await asyncio.sleep(0.2)


async def measure_key_to_frame(presses: int) -> dict[str, float]:
    worker = start_worker(STREAMING_CONFIG)
    try:
        async with worker.client(name="bench-feeder") as feeder:
            app = PixelsApp(worker.client(name="bench-tui"))
            async with app.run_test(size=(COLUMNS, LINES)) as pilot:
                await until(lambda: app.connection_line[0] == "connected", 15, "the connection")
                busy = asyncio.create_task(keep_busy(app, feeder))
                await pilot.press("f3")
                table = app.screen.query_one("#jobs", DataTable)
                await until(
                    lambda: (
                        table.row_count >= BUSY_JOBS
                        and any(job.state is m.JobState.RUNNING for job in app.link.mirror.jobs.values())
                    ),
                    15,
                    "a running job",
                )
                probe = FrameProbe(app, table)
                jitter = random.Random(1)
                samples: list[float] = []
                lost = 0
                progress_before = sum(job.progress for job in app.link.mirror.jobs.values())
                for n in range(WARMUP_PRESSES + presses):
                    await asyncio.sleep(jitter.uniform(0.02, 0.04))
                    ms = await probe.press()
                    if n < WARMUP_PRESSES:
                        continue
                    if ms is None:
                        lost += 1
                    else:
                        samples.append(ms)
                streamed = sum(job.progress for job in app.link.mirror.jobs.values()) > progress_before
                busy.cancel()
                await asyncio.gather(busy, return_exceptions=True)
                if not streamed:
                    raise RuntimeError("no progress arrived while measuring: the queue was not streaming")
    finally:
        worker.terminate()
    if not samples:
        raise RuntimeError("no key press was seen on screen")
    return {
        "key_to_frame_p50_ms": percentile(samples, 50),
        "key_to_frame_p95_ms": percentile(samples, 95),
        "key_to_frame_max_ms": max(samples),
        "key_to_frame_presses": float(len(samples)),
        "key_to_frame_lost": float(lost),
    }


# ---------------------------------------------------------------- all


def measure(runs: int, presses: int, render_runs: int) -> dict[str, float]:
    figures = measure_first_frames(runs)
    rendering = tui_render.measure(render_runs)
    figures["halfblock_64_ms"] = rendering["halfblock_64_ms"]
    figures["halfblock_512_ms"] = rendering["halfblock_512_ms"]
    figures.update(asyncio.run(measure_key_to_frame(presses)))
    order = [
        "bare_textual_first_frame_ms",
        "first_frame_ms",
        "first_frame_cli_ms",
        "connected_ms",
        "connected_cli_ms",
        "rss_mb",
        "rss_cli_mb",
        "halfblock_64_ms",
        "halfblock_512_ms",
        "key_to_frame_p50_ms",
        "key_to_frame_p95_ms",
        "key_to_frame_max_ms",
        "key_to_frame_presses",
        "key_to_frame_lost",
    ]
    return {key: figures[key] for key in order}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--runs", type=int, default=9, help="first-frame runs per figure, at least 7 (median)")
    parser.add_argument("--presses", type=int, default=150, help="measured key presses, at least 100")
    parser.add_argument("--render-runs", type=int, default=300, help="preview renders per figure, at least 200")
    args = parser.parse_args()
    runs, presses, render_runs = max(args.runs, 7), max(args.presses, 100), max(args.render_runs, 200)
    figures = measure(runs, presses, render_runs)
    title = (
        f"TUI, {COLUMNS}x{LINES} cells: first frame median of {runs} runs, "
        f"key to frame over {int(figures['key_to_frame_presses'])} presses"
    )
    report(title, figures, TARGETS, args.json)


if __name__ == "__main__":
    main()
