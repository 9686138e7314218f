"""Running the `dgx-pixels` command line in a subprocess, as a user would."""

import subprocess
import sys


def dgx(*args, env, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "dgx_pixels_tui.cli", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
