"""Running a Python snippet as another Unix user (nobody), to see the worker through a stranger's eyes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import dgx_pixels_worker

NOBODY = 65534
SRC = str(Path(dgx_pixels_worker.__file__).parents[1])
SITE = sysconfig.get_paths()["purelib"]


def interpreter() -> str | None:
    """A Python of this minor version that the second user may run (the venv's may sit under a private home)."""
    if os.geteuid() != 0:
        return None
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (sys.executable, shutil.which(version, path="/usr/local/bin:/usr/bin") or ""):
        if candidate and _runs_as_nobody(candidate):
            return candidate
    return None


def _runs_as_nobody(python: str) -> bool:
    try:
        done = subprocess.run([python, "-c", "pass"], user=NOBODY, group=NOBODY, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def home() -> Path:
    """A home directory of the second user's own, outside the tests' private temporary folders."""
    path = Path(tempfile.mkdtemp(prefix="dgx-second-user-"))
    os.chown(path, NOBODY, NOBODY)
    return path


def run_as_nobody(
    python: str, args: list[str], user_home: Path, extra_env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """`python -c ...` or `python -m ...` as nobody, with this checkout and its packages importable."""
    env = {
        "HOME": str(user_home),
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": os.pathsep.join([SRC, SITE]),
        "PYTHONUNBUFFERED": "1",
        **extra_env,
    }
    return subprocess.run(
        [python, *args], user=NOBODY, group=NOBODY, env=env, capture_output=True, text=True, timeout=60, cwd=user_home
    )
