"""Every benchmark script still starts: its imports resolve and it answers --help (the figures themselves are
printed by running the scripts, not checked here)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SCRIPTS = sorted(path.name for path in BENCH.glob("*.py") if not path.name.startswith("_"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_benchmark_starts(script, tmp_path):
    result = subprocess.run(
        [sys.executable, str(BENCH / script), "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout
