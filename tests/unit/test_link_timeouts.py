"""The TUI's link when the worker is slow to answer: a generate that times out is sent again with the same request
id, and a snapshot that times out is a loss the link recovers from."""

import pytest

from dgx_pixels_tui import link as link_module
from dgx_pixels_tui.link import CONFIRM_TRIES, LinkState, QueueChanged, StateChanged, generate_confirmed
from dgx_pixels_worker.protocol import ErrorCode, WorkerError

from tests.support.recorded_worker import HELLO
from tests.unit.test_link import ADDRESS, CONNECTED, FakeClient, ScriptedStream, follow, job, snapshot, unreachable


@pytest.fixture(autouse=True)
def no_retry_pause(monkeypatch):
    monkeypatch.setattr(link_module, "RETRY_S", 0.0)


TIMEOUT = WorkerError(ErrorCode.TIMEOUT, "the worker did not answer 'generate' within 1s")


class SlowWorker:
    """Answers `generate` after `late` timeouts; remembers each request id it was sent."""

    def __init__(self, late, error=TIMEOUT):
        self.late, self.error, self.sent = late, error, []

    async def generate(self, prompt, request_id=None, **params):
        self.sent.append((request_id, prompt, params))
        if len(self.sent) <= self.late:
            raise self.error
        return f"job for {request_id}"


async def test_a_timed_out_generate_is_sent_again_with_the_same_id():
    worker, told = SlowWorker(late=2), []
    job = await generate_confirmed(worker, "knight", {"seed": 3}, told.append)
    ids = {request_id for request_id, _, _ in worker.sent}
    assert len(worker.sent) == 3 and len(ids) == 1 and job == f"job for {ids.pop()}"
    assert {(p, tuple(params.items())) for _, p, params in worker.sent} == {("knight", (("seed", 3),))}
    assert told == [1, 2]


async def test_it_stops_asking_after_a_few_tries_and_other_errors_are_not_retried():
    worker = SlowWorker(late=CONFIRM_TRIES)
    with pytest.raises(WorkerError) as caught:
        await generate_confirmed(worker, "knight", {}, lambda tries: None)
    assert caught.value.code == ErrorCode.TIMEOUT and len(worker.sent) == CONFIRM_TRIES
    refusing = SlowWorker(late=1, error=WorkerError(ErrorCode.INVALID, "type a prompt"))
    with pytest.raises(WorkerError):
        await generate_confirmed(refusing, "", {}, lambda tries: None)
    assert len(refusing.sent) == 1
    again = await generate_confirmed(SlowWorker(late=0), "knight", {}, lambda tries: None)
    assert again.startswith("job for ") and len(again) > len("job for ") + 8  # a fresh id per generate


class FailingStream(ScriptedStream):
    """Yields its items, then fails as a stream does whose snapshot request timed out."""

    async def __anext__(self):
        if not self.items:
            raise unreachable()
        return await super().__anext__()


async def test_a_snapshot_that_times_out_is_a_loss_and_the_link_greets_the_worker_again():
    client = FakeClient([HELLO, HELLO], [[snapshot(job("a"))], [snapshot(job("a"), job("b"))]])
    client.streams[0] = FailingStream(client.streams[0].items)
    reported, link = await follow(client)
    assert reported == [
        StateChanged(LinkState.CONNECTED, CONNECTED, HELLO),
        QueueChanged(None),
        StateChanged(LinkState.LOST, f"lost the worker at {ADDRESS}: the worker did not answer", HELLO),
        StateChanged(LinkState.CONNECTED, CONNECTED, HELLO),
        QueueChanged(None),
    ]
    assert sorted(link.mirror.jobs) == ["a", "b"]
