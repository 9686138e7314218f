"""How fast `dgx-pixels build` decides there is nothing to do, with 200 assets up to date.

Builds a manifest of 200 small assets once against a real worker (procedural backend), then times the whole
command again (a new process each time, as a user or CI runs it) with nothing to do, and `build --check`.
Target: `nothing_to_do_s` under 1 s.

    python bench/build.py [--json] [--assets 200] [--runs 7]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import median, report, start_worker

from tests.support.worker_process import FAST_CONFIG

KINDS = [
    ("character", 'frames = 2\nmotion = "walk"\nsize = "24x24"'),
    ("item", 'size = "16x16"'),
    ("item", 'count = 2\nsheet = true\nsize = "16x16"'),
    ("tile", 'size = "16x16"'),
    ("effect", 'size = "16x16"'),
]
SUBJECTS = ["slime", "knight", "potion", "sword", "gem", "bat", "shield", "grass"]


def manifest_text(assets: int) -> str:
    lines = ['[project]\nbevy = "game"\n']
    for n in range(assets):
        template, extra = KINDS[n % len(KINDS)]
        subject = SUBJECTS[n % len(SUBJECTS)]
        lines.append(f'[assets.a{n:03d}]\ntemplate = "{template}"\nprompt = "{subject}"\n{extra}\n')
    return "\n".join(lines)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--assets", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    worker = start_worker(FAST_CONFIG)
    try:
        repo = Path(tempfile.mkdtemp(prefix="dgx-bench-build-"))
        (repo / "game").mkdir()
        (repo / "game" / "Cargo.toml").write_text("[package]\nname = 'game'\n")
        manifest = repo / "assets.toml"
        manifest.write_text(manifest_text(args.assets))
        env = worker.cli_env()
        build = [sys.executable, "-m", "dgx_pixels_tui.cli", "build", "-f", str(manifest)]
        first_s, first = timed(build, env)
        if first.returncode != 0:
            raise SystemExit(f"the first build failed: {first.stderr[-2000:]}")
        idle, checks = [], []
        for _ in range(args.runs):
            seconds, again = timed(build, env)
            if "nothing to do" not in again.stdout:
                raise SystemExit(f"the rebuild had work to do: {again.stdout[-500:]} {again.stderr[-500:]}")
            idle.append(seconds)
            seconds, check = timed([*build, "--check"], env)
            if check.returncode != 0:
                raise SystemExit(f"--check failed: {check.stderr[-500:]}")
            checks.append(seconds)
        bare_s = median([timed([sys.executable, "-c", "pass"], env)[0] for _ in range(args.runs)])
    finally:
        worker.terminate()
    figures = {
        "assets": float(args.assets),
        "first_build_s": first_s,
        "nothing_to_do_s": median(idle),
        "check_s": median(checks),
        "python_start_s": bare_s,
    }
    report(
        f"dgx-pixels build, {args.assets} assets (medians of {args.runs} runs, each a new process)",
        figures,
        {"nothing_to_do_s": "target < 1 s"},
        args.json,
    )


if __name__ == "__main__":
    main()
