"""The worker package must never need Textual: it runs headless on GPU boxes.

The layering rules themselves are import-linter contracts in pyproject.toml (`lint-imports`, run by
`make check`). They read import statements, so they cannot see a module named by a string
(`importlib.import_module`, as the lazy names of `protocol` and `client` do) nor what a third-party
package imports in turn. This test imports every worker module and looks at what actually loaded.
"""

import subprocess
import sys


def test_worker_package_imports_without_textual():
    code = (
        "import sys, pkgutil, importlib, dgx_pixels_worker\n"
        "for mod in pkgutil.walk_packages(dgx_pixels_worker.__path__, 'dgx_pixels_worker.'):\n"
        "    if mod.name != 'dgx_pixels_worker.__main__': importlib.import_module(mod.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'dgx_pixels_tui', 'rich_pixels'))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
