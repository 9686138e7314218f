"""The client library's faces: BlockingClient offers every request AsyncClient has, and the recorded worker the
TUI's snapshots run against answers everything a front end may call (WorkerClient)."""

import inspect

import pytest

from dgx_pixels_worker.client import AsyncClient, BlockingClient, WorkerClient

from tests.support.recorded_worker import RecordedClient

# AsyncClient's coroutines that BlockingClient does not mirror: it is a context manager of its own (with/as).
NOT_BLOCKING = {"__aenter__", "__aexit__"}


def requests_of(cls):
    return {name for name, value in vars(cls).items() if inspect.iscoroutinefunction(value)} - NOT_BLOCKING


def test_blocking_client_has_every_request_with_the_same_parameters():
    for name in sorted(requests_of(AsyncClient)):
        blocking = getattr(BlockingClient, name, None)
        assert blocking is not None, f"BlockingClient has no {name}()"
        assert not inspect.iscoroutinefunction(blocking), f"BlockingClient.{name} must block, not return a coroutine"
        assert inspect.signature(blocking) == inspect.signature(getattr(AsyncClient, name)), name


@pytest.fixture
def async_client():
    client = AsyncClient("tcp://127.0.0.1:9", timeout=0.1)  # never connects: nothing is sent
    yield client
    client.context.destroy(linger=0)


def test_both_clients_a_front_end_may_be_given_answer_every_call(async_client):
    assert isinstance(async_client, WorkerClient)
    assert isinstance(RecordedClient(), WorkerClient)
    members = [name for name in vars(WorkerClient) if not name.startswith("_") and callable(vars(WorkerClient)[name])]
    for name in members:
        expected = inspect.signature(getattr(WorkerClient, name))
        for cls in (AsyncClient, RecordedClient):
            assert inspect.signature(getattr(cls, name)).parameters.keys() == expected.parameters.keys(), (cls, name)
