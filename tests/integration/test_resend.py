"""A request sent again with the same id, because its answer was lost, gets what the first one made: one job, one
retry, one comparison, one vote. Against a real worker process over ZeroMQ."""

import asyncio
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from dgx_pixels_worker.protocol import ErrorCode, JobState, WorkerError

from tests.support.streams import generate_and_wait

STYLES = ["procedural", "procedural-pico8"]


def rows(worker, sql, args=()):
    with sqlite3.connect(worker.data_dir / "dgx-pixels.db") as db:
        return db.execute(sql, args).fetchall()


async def test_a_generate_that_timed_out_sent_again_with_its_id_returns_the_job_it_made(worker):
    async with worker.client() as client:
        await client.ping()  # greeted: what times out below is the generate itself
        client.timeout = 0.5
        worker.process.send_signal(signal.SIGSTOP)  # it takes the request, and answers too late
        try:
            with pytest.raises(WorkerError) as timed_out:
                await client.generate("late knight", seed=4, width=32, height=32)
        finally:
            worker.process.send_signal(signal.SIGCONT)
        assert timed_out.value.code == ErrorCode.TIMEOUT
        request_id = timed_out.value.details["request_id"]
        client.timeout = 10.0
        job = await client.generate("late knight", seed=4, width=32, height=32, request_id=request_id)
        assert job.request_id == request_id
        assert rows(worker, "SELECT id FROM jobs WHERE prompt = 'late knight'") == [(job.id,)]
        done = await generate_and_wait(client, "another", width=32, height=32)  # the queue moves on meanwhile
        again = await client.generate("late knight", seed=4, width=32, height=32, request_id=request_id)
        assert again.id == job.id and again.state is JobState.COMPLETED and done.state is JobState.COMPLETED
        assert len(rows(worker, "SELECT id FROM jobs")) == 2

        with pytest.raises(WorkerError) as reused:  # an id is one request's: another request with it is refused
            await client.retry(job.id, request_id=request_id)
        assert reused.value.code == ErrorCode.INVALID and "send each new request with a new id" in reused.value.message


async def test_a_retry_and_a_compare_sent_again_return_what_they_made(worker):
    async with worker.client() as client:
        first = await generate_and_wait(client, "red knight", width=32, height=32)
        retried = await client.retry(first.id, request_id="retry-0001")
        assert (await client.retry(first.id, request_id="retry-0001")).id == retried.id
        assert rows(worker, "SELECT COUNT(*) FROM jobs WHERE retry_of = ?", (first.id,)) == [(1,)]

        comparison = await client.compare("blue potion", STYLES, seed=5, width=16, height=16, request_id="cmp-0001")
        again = await client.compare("blue potion", STYLES, seed=5, width=16, height=16, request_id="cmp-0001")
        assert again.id == comparison.id and [p.job_id for p in again.panels] == [p.job_id for p in comparison.panels]
        assert rows(worker, "SELECT COUNT(*) FROM comparisons") == [(1,)]
        assert rows(worker, "SELECT COUNT(*) FROM jobs WHERE request_id = 'cmp-0001'") == [(2,)]


async def test_a_vote_stored_before_a_crash_and_sent_again_is_acknowledged_not_refused(make_worker):
    worker = make_worker().start()
    async with worker.client() as client:
        comparison = await client.compare("green slime", STYLES, seed=6, width=16, height=16)
        for _ in range(400):
            comparison = await client.comparison(comparison.id)
            if comparison.state is JobState.COMPLETED:
                break
            await asyncio.sleep(0.05)
        first = await client.vote(comparison.id, "win", 1)
    worker.kill()  # as if it died before its answer went out
    worker.start()
    async with worker.client() as client:
        again = await client.vote(comparison.id, "win", 1)
        assert again.vote.id == first.vote.id and again.vote.winner == 1 and again.comparison.votes == 1
        with pytest.raises(WorkerError) as changed:
            await client.vote(comparison.id, "tie")
        assert changed.value.code == ErrorCode.INVALID and "has voted on comparison" in changed.value.message
    assert rows(worker, "SELECT COUNT(*) FROM votes") == [(1,)]


def test_the_command_line_asks_again_for_a_late_job_and_makes_it_once(worker):
    command = [sys.executable, "-m", "dgx_pixels_tui.cli", "generate", "late dragon", "--no-wait", "--timeout", "1"]
    subprocess.run([*command[:3], "status"], env=worker.cli_env(), capture_output=True, timeout=60)  # keys ready
    worker.process.send_signal(signal.SIGSTOP)
    try:
        running = subprocess.Popen(
            command, env=worker.cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        time.sleep(2.5)  # the first answer is late: the command asks again with the same request
    finally:
        worker.process.send_signal(signal.SIGCONT)
    out, errors = running.communicate(timeout=60)
    assert running.returncode == 0, errors
    assert "not confirmed the job yet" in errors
    assert rows(worker, "SELECT id FROM jobs WHERE prompt = 'late dragon'") == [(out.strip(),)]
