"""Requests about jobs: generate, cancel, retry, priority, one job, the queue snapshot."""

from __future__ import annotations

from ..jobs.queue import JobQueue
from ..jobs.views import JobViews
from ..protocol import Envelope
from ..protocol import messages as m
from .dispatch import Peer
from .publisher import EventPublisher


class JobRequests:
    def __init__(self, queue: JobQueue, views: JobViews, publisher: EventPublisher):
        self._queue = queue
        self._views = views
        self._publisher = publisher

    def on_generate(self, request: m.GenerateRequest, envelope: Envelope, peer: Peer) -> m.JobReply:
        job = self._queue.submit(request, peer.client, peer.user, envelope.id)
        return m.JobReply(job=self._views.info(job))

    def on_cancel(self, request: m.CancelRequest, envelope: Envelope, peer: Peer) -> m.JobReply:
        job = self._queue.cancel(self._queue.find(request.job_id))
        return m.JobReply(job=self._views.info(job))

    def on_retry(self, request: m.RetryRequest, envelope: Envelope, peer: Peer) -> m.JobReply:
        job = self._queue.retry(self._queue.find(request.job_id), peer.client, peer.user, envelope.id)
        return m.JobReply(job=self._views.info(job))

    def on_priority(self, request: m.PriorityRequest, envelope: Envelope, peer: Peer) -> m.JobReply:
        job = self._queue.set_priority(self._queue.find(request.job_id), request.priority)
        return m.JobReply(job=self._views.info(job))

    def on_job(self, request: m.JobRequest, envelope: Envelope, peer: Peer) -> m.JobReply:
        return m.JobReply(job=self._views.info(self._queue.find(request.job_id)))

    def on_jobs(self, request: m.JobsRequest, envelope: Envelope, peer: Peer) -> m.JobsReply:
        states = set(request.states) if request.states else None
        jobs = self._views.snapshot(states, finished_limit=request.limit)
        return m.JobsReply(jobs=jobs, seq=self._publisher.seq, epoch=self._publisher.epoch)
