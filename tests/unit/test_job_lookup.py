"""One lookup for cancel, retry, priority and job: a full id or any prefix only one job has, live or stored."""

import collections
import dataclasses

import pytest

from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.protocol.messages import GenerateRequest, JobState

from tests.unit.test_job_domain import Recorder, assemble


def _jobs_sharing_a_first_character(jobs):
    made = []
    while True:  # 17 ids hold two with the same first character
        made.append(jobs.queue.submit(GenerateRequest(prompt="gem", seed=len(made)), "t", "u", None))
        counts = collections.Counter(job.id[0] for job in made)
        first, n = counts.most_common(1)[0]
        pairs = collections.Counter(job.id[:2] for job in made)
        if n >= 2 and 1 in pairs.values():  # and one job whose first two characters no other has
            return made, first


def test_any_unique_prefix_finds_a_job_and_a_shared_one_names_the_candidates(tmp_path):
    jobs = assemble(tmp_path, Recorder())
    made, shared = _jobs_sharing_a_first_character(jobs)
    lone = next(job for job in made if sum(other.id.startswith(job.id[:2]) for other in made) == 1)
    assert jobs.queue.find(lone.id[:2]).id == lone.id  # two characters were "no job" before
    assert jobs.queue.find(lone.id[:2].upper()).id == lone.id  # as the store's LIKE does
    with pytest.raises(WorkerError) as caught:
        jobs.queue.find(shared)
    candidates = sorted(job.id for job in made if job.id.startswith(shared))
    assert caught.value.code == ErrorCode.AMBIGUOUS_JOB and caught.value.details["matches"] == candidates[:5]
    assert f"{candidates[0]} (queued)" in caught.value.message
    with pytest.raises(WorkerError) as caught:
        jobs.queue.find("zz")
    assert caught.value.code == ErrorCode.UNKNOWN_JOB


def test_a_live_record_is_found_by_prefix_as_it_is_in_memory(tmp_path):
    jobs = assemble(tmp_path, Recorder())
    job = jobs.queue.submit(GenerateRequest(prompt="gem"), "t", "u", None)
    jobs.active.queued.remove(job.id)
    held = dataclasses.replace(job, state=JobState.COMPLETED)  # its end waits for disk space: shown as stored
    jobs.active.held[job.id] = held
    assert jobs.store.job(job.id).state is JobState.QUEUED
    assert jobs.queue.find(job.id[:3]).state is JobState.COMPLETED
    with pytest.raises(WorkerError) as caught:
        jobs.queue.cancel(jobs.queue.find(job.id[:3]))
    assert caught.value.code == ErrorCode.JOB_FINISHED and "already completed" in caught.value.message
