"""The data directory and everything the worker writes there are readable by their owner alone."""

import os
import stat
from pathlib import Path

import pytest

from tests.support.cli import dgx
from tests.support.worker_process import WorkerProcess


@pytest.fixture
def open_umask():
    """The common umask 022, under which files are readable by every local user unless the worker says not."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def modes(root: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def test_a_worker_keeps_its_files_private_and_tightens_an_older_data_directory(tmp_path, open_umask):
    worker = WorkerProcess(tmp_path)
    old_images = worker.data_dir / "images" / "old"
    old_images.mkdir(parents=True)  # as an older version left it: 0755 directories, 0644 files
    (old_images / "sprite.png").write_bytes(b"png")
    (worker.data_dir / "worker.log").write_text("an older worker's log\n")
    assert modes(worker.data_dir)["images/old/sprite.png"] == 0o644
    worker.start()
    try:
        out = tmp_path / "out"
        result = dgx("generate", "private sprite", "--size", "32x32", "--out", str(out), env=worker.cli_env())
        assert result.returncode == 0, result.stderr
        found = modes(worker.data_dir)
        assert {"dgx-pixels.db", "dgx-pixels.db-wal", "worker.lock", "worker.log"} <= set(found)
        assert any(name.endswith(".png") and not name.startswith("images/old") for name in found)
        for name, mode in found.items():
            wanted = 0o700 if (worker.data_dir / name).is_dir() else 0o600
            assert mode == wanted, (name, oct(mode))
        assert stat.S_IMODE(next(out.glob("*.png")).stat().st_mode) == 0o644  # the user's own files: their umask
    finally:
        worker.terminate()


def test_tightening_an_older_tree_leaves_what_links_point_to_alone(tmp_path, open_umask):
    from dgx_pixels_worker.daemon import make_private

    outside = tmp_path / "shared.png"
    outside.write_bytes(b"png")
    data_dir = tmp_path / "data"
    (data_dir / "images").mkdir(parents=True)
    (data_dir / "images" / "link.png").symlink_to(outside)
    make_private(data_dir)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((data_dir / "images").stat().st_mode) == 0o700
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644
