import time

import pytest

from dgx_pixels_worker.protocol import WorkerError

from dgx_pixels_worker.protocol.messages import ErrorInfo, ImageInfo, JobState
from dgx_pixels_worker.store import JobRecord, Store, image_id


def _job(job_id: str, priority: int = 0) -> JobRecord:
    params = {"prompt": "knight", "negative": "", "model": "procedural", "seed": 1, "count": 2, "width": 32,
              "height": 32, "steps": 4, "cfg": 0.0, "tags": []}
    return JobRecord(id=job_id, seq=0, state=JobState.QUEUED, params=params, priority=priority, client="t",
                     user="u", created_at=time.time())


def _image(job: JobRecord, index: int) -> ImageInfo:
    return ImageInfo(id=image_id(job.id, index), job_id=job.id, index=index, seed=1 + index, width=32, height=32,
                     path=f"images/x/{job.id}-{index}.png", bytes=10, sha256="0" * 64, created_at=time.time(), params={})


def test_jobs_survive_reopening_with_state_history_and_images(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    job = store.insert_job(_job("aaaa0001"))
    store.mark_running(job, "procedural")
    store.add_image(job, _image(job, 0), backend_ms=12.5)
    store.close()

    reopened = Store(tmp_path / "db.sqlite")
    [again] = reopened.unfinished_jobs()
    assert again.state is JobState.RUNNING and again.images == ["aaaa0001-0"] and again.attempts == 1
    assert again.backend_ms == 12.5
    reopened.requeue(again, "worker restarted")
    reopened.finish(again, JobState.FAILED, ErrorInfo(code="backend_error", message="boom"))
    states = [state for _, state, _ in reopened.history("aaaa0001")]
    assert states == ["queued", "running", "queued", "failed"]
    assert reopened.job("aaaa0001").error.message == "boom"
    assert reopened.unfinished_jobs() == []


def test_submission_order_continues_after_reopen(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    first = store.insert_job(_job("j1"))
    store.close()
    store = Store(tmp_path / "db.sqlite")
    second = store.insert_job(_job("j2"))
    assert second.seq == first.seq + 1


def test_prefix_lookup_escapes_like_wildcards(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    store.insert_job(_job("abcd1234"))
    store.insert_job(_job("abcd5678"))
    assert sorted(store.job_ids_with_prefix("abcd")) == ["abcd1234", "abcd5678"]
    assert store.job_ids_with_prefix("abcd1") == ["abcd1234"]
    assert store.job_ids_with_prefix("ab%") == []


def test_an_image_index_is_stored_once(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    job = store.insert_job(_job("j1"))
    store.add_image(job, _image(job, 0), 1.0)
    with pytest.raises(WorkerError, match="UNIQUE"):
        store.add_image(job, _image(job, 0), 1.0)
    assert store.job("j1").images == ["j1-0"]
