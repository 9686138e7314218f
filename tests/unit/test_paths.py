import pytest

from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.settings.paths import inside


def test_paths_inside_the_data_directory_resolve(tmp_path):
    assert inside(tmp_path, "images/2026-11-22/abc-0.png") == tmp_path.resolve() / "images/2026-11-22/abc-0.png"


@pytest.mark.parametrize("path", ["../outside.png", "images/../../etc/passwd", "/etc/passwd"])
def test_paths_that_leave_the_data_directory_are_refused(tmp_path, path):
    with pytest.raises(WorkerError) as caught:
        inside(tmp_path, path)
    assert caught.value.code == ErrorCode.INVALID


def test_a_symlink_out_of_the_data_directory_is_refused(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "images").symlink_to(tmp_path)
    with pytest.raises(WorkerError):
        inside(tmp_path / "data", "images/secret.txt")
