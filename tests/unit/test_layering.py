"""The worker package must never need Textual: it runs headless on GPU boxes."""

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


def test_protocol_store_scheduler_and_params_do_not_import_zeromq():
    code = (
        "import sys\n"
        "import dgx_pixels_worker.protocol, dgx_pixels_worker.jobs.store, dgx_pixels_worker.jobs.scheduler, "
        "dgx_pixels_worker.jobs.params, dgx_pixels_worker.jobs.image_files\n"
        "sys.exit(1 if 'zmq' in sys.modules else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
