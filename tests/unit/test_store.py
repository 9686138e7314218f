import time

import pytest

from dgx_pixels_worker.database import Database
from dgx_pixels_worker.gallery.images import ImageStore
from dgx_pixels_worker.jobs.params import SpriteParams
from dgx_pixels_worker.jobs.record import JobRecord, image_id
from dgx_pixels_worker.jobs.store import JobStore, StaleJob
from dgx_pixels_worker.protocol import WorkerError
from dgx_pixels_worker.protocol.messages import ErrorInfo, ImageInfo, JobState


def _job_store(path) -> JobStore:
    return JobStore(Database(path))


def _job(job_id: str, priority: int = 0) -> JobRecord:
    params = SpriteParams(
        prompt="knight", negative="", model="procedural", seed=1, count=2, width=32, height=32, steps=4, cfg=0.0
    )
    return JobRecord(
        id=job_id,
        seq=0,
        state=JobState.QUEUED,
        params=params,
        priority=priority,
        client="t",
        user="u",
        created_at=time.time(),
    )


def _image(job: JobRecord, index: int) -> ImageInfo:
    return ImageInfo(
        id=image_id(job.id, index),
        job_id=job.id,
        index=index,
        seed=1 + index,
        width=32,
        height=32,
        path=f"images/x/{job.id}-{index}.png",
        bytes=10,
        sha256="0" * 64,
        created_at=time.time(),
        params={},
    )


def test_jobs_survive_reopening_with_state_history_and_images(tmp_path):
    db = Database(tmp_path / "db.sqlite")
    store = JobStore(db)
    job = store.insert(_job("aaaa0001"))
    job = store.start(job, "procedural")
    store.add_image(job, _image(job, 0), backend_ms=12.5)
    db.close()

    reopened = _job_store(tmp_path / "db.sqlite")
    [again] = reopened.unfinished()
    assert again.state is JobState.RUNNING and again.images == ("aaaa0001-0",) and again.attempts == 1
    assert again.backend_ms == 12.5
    again = reopened.requeue(again, "worker restarted")
    reopened.finish(again, JobState.FAILED, ErrorInfo(code="backend_error", message="boom"))
    states = [state for _, state, _ in reopened.history("aaaa0001")]
    assert states == ["queued", "running", "queued", "failed"]
    assert reopened.job("aaaa0001").error.message == "boom"
    assert reopened.unfinished() == []


def test_submission_order_continues_after_reopen(tmp_path):
    db = Database(tmp_path / "db.sqlite")
    first = JobStore(db).insert(_job("j1"))
    db.close()
    store = _job_store(tmp_path / "db.sqlite")
    second = store.insert(_job("j2"))
    assert second.seq == first.seq + 1


def test_prefix_lookup_escapes_like_wildcards(tmp_path):
    store = _job_store(tmp_path / "db.sqlite")
    store.insert(_job("abcd1234"))
    store.insert(_job("abcd5678"))
    assert sorted(store.ids_with_prefix("abcd")) == ["abcd1234", "abcd5678"]
    assert store.ids_with_prefix("abcd1") == ["abcd1234"]
    assert store.ids_with_prefix("ab%") == []


def test_an_image_index_is_stored_once(tmp_path):
    store = _job_store(tmp_path / "db.sqlite")
    job = store.start(store.insert(_job("j1")), "procedural")
    store.add_image(job, _image(job, 0), 1.0)
    with pytest.raises(WorkerError, match="UNIQUE"):
        store.add_image(job, _image(job, 0), 1.0)
    assert store.job("j1").images == ("j1-0",)


def test_set_priority_updates_the_row_and_adds_history_but_leaves_the_record(tmp_path):
    store = _job_store(tmp_path / "db.sqlite")
    job = store.insert(_job("j1"))
    changed = store.set_priority(job, 5)
    assert job.priority == 0 and changed.priority == 5  # records are values: the store returns the new one
    assert store.job("j1").priority == 5
    assert store.history("j1")[-1][1:] == ("queued", "priority 0 -> 5")


def test_a_database_of_the_first_schema_is_upgraded_in_place_and_keeps_its_images(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE jobs (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, state TEXT NOT NULL,"
        " params TEXT NOT NULL, prompt TEXT NOT NULL, model TEXT NOT NULL, priority INTEGER NOT NULL,"
        " client TEXT NOT NULL, user TEXT NOT NULL,"
        " request_id TEXT, retry_of TEXT, backend TEXT, backend_ref TEXT, attempts INTEGER NOT NULL DEFAULT 0,"
        " created_at REAL NOT NULL, started_at REAL, finished_at REAL, backend_ms REAL NOT NULL DEFAULT 0, error TEXT);"
        "CREATE TABLE images (id TEXT PRIMARY KEY, job_id TEXT NOT NULL, idx INTEGER NOT NULL, seed INTEGER NOT NULL,"
        " width INTEGER NOT NULL, height INTEGER NOT NULL, path TEXT NOT NULL, bytes INTEGER NOT NULL,"
        " sha256 TEXT NOT NULL, created_at REAL NOT NULL, params TEXT NOT NULL, UNIQUE (job_id, idx));"
        "INSERT INTO jobs VALUES ('aaaa0001', 1, 'completed', '{}', 'knight', 'procedural', 0, 't', 'u', NULL, NULL,"
        " NULL, NULL, 1, 1.0, 1.0, 2.0, 0, NULL);"
        "INSERT INTO images VALUES ('aaaa0001-0', 'aaaa0001', 0, 1, 32, 32, 'images/x.png', 10, 'ab', 2.0, '{}');"
        "PRAGMA user_version=1;"
    )
    old.close()
    db = Database(path)
    store, images = JobStore(db), ImageStore(db)
    assert images.image("aaaa0001-0") is not None
    job = store.start(store.insert(_job("bbbb0002")), "procedural")
    store.add_image(job, _image(job, 0), backend_ms=1.0, cache_key="k1")
    assert images.cached_image("k1").id == "bbbb0002-0" and images.cached_image("k2") is None
    assert db.rows("PRAGMA user_version")[0][0] >= 2


def test_a_change_from_a_state_the_row_has_left_is_refused_and_writes_nothing(tmp_path):
    store = _job_store(tmp_path / "db.sqlite")
    queued = store.insert(_job("j1"))
    running = store.start(queued, "procedural")
    with pytest.raises(StaleJob, match="no longer queued"):
        store.finish(queued, JobState.CANCELLED)  # a stale record: the row is running now
    with pytest.raises(StaleJob):
        store.set_priority(queued, 3)
    assert store.job("j1").state is JobState.RUNNING and store.job("j1").priority == 0
    assert [state for _, state, _ in store.history("j1")] == ["queued", "running"]
    done = store.finish(running, JobState.COMPLETED)
    assert done.state is JobState.COMPLETED and done.finished_at is not None


def test_only_the_written_down_transitions_are_allowed(tmp_path):
    store = _job_store(tmp_path / "db.sqlite")
    job = store.insert(_job("j1"))
    with pytest.raises(StaleJob, match="cannot go from queued to completed"):
        store.finish(job, JobState.COMPLETED)
    with pytest.raises(StaleJob, match="cannot go from queued to queued"):
        store.requeue(job, "again")
    cancelled = store.finish(job, JobState.CANCELLED)
    for state in JobState:
        assert not cancelled.state.may_become(state)  # terminal states are final
    with pytest.raises(StaleJob):
        store.start(cancelled, "procedural")
    with pytest.raises(StaleJob):  # images belong to running jobs only
        store.add_image(cancelled, _image(cancelled, 0), 1.0)
    assert store.job("j1").state is JobState.CANCELLED and store.job("j1").images == ()


def test_parameters_are_stored_as_json_and_read_back_typed(tmp_path):
    store = _job_store(tmp_path / "db.sqlite")
    store.insert(_job("j1"))
    again = store.job("j1")
    assert isinstance(again.params, SpriteParams) and again.params == _job("j1").params
    assert again.params.image_seed(3) == 4
