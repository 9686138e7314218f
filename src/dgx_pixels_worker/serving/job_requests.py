"""Requests about jobs: generate, cancel, retry, priority, one job, the queue snapshot."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from ..access.permissions import Permissions
from ..jobs.queue import JobQueue
from ..jobs.record import JobRecord
from ..jobs.views import JobViews
from ..protocol import Envelope
from ..protocol import messages as m
from .dispatch import Peer
from .publisher import EventPublisher


class JobRequests:
    def __init__(self, queue: JobQueue, views: JobViews, publisher: EventPublisher, permissions: Permissions):
        self._permissions = permissions
        self._queue = queue
        self._views = views
        self._publisher = publisher

    def on_generate(
        self, request: m.GenerateRequest, envelope: Envelope, peer: Peer
    ) -> m.JobReply | Awaitable[m.JobReply]:
        if request.init_png is not None:  # an image to check and keep first, off the event loop
            return self._generate_from_upload(request, envelope, peer)
        job = self._queue.submit(request, peer.client, peer.user, envelope.id)
        return m.JobReply(job=self._views.info(job))

    async def _generate_from_upload(self, request: m.GenerateRequest, envelope: Envelope, peer: Peer) -> m.JobReply:
        self._queue.complete(request)  # a request refused for its other fields is refused before any decoding
        await asyncio.to_thread(self._queue.keep_upload, request.init_png or b"")
        job = self._queue.submit(request, peer.client, peer.user, envelope.id)
        return m.JobReply(job=self._views.info(job))

    def on_cancel(self, request: m.CancelRequest, envelope: Envelope, peer: Peer) -> m.JobReply:
        job = self._own_job(request.job_id, peer, "cancel")
        job = self._queue.cancel(job)
        return m.JobReply(job=self._views.info(job))

    def on_retry(self, request: m.RetryRequest, envelope: Envelope, peer: Peer) -> m.JobReply:
        job = self._own_job(request.job_id, peer, "retry")
        job = self._queue.retry(job, peer.client, peer.user, envelope.id)
        return m.JobReply(job=self._views.info(job))

    def on_priority(self, request: m.PriorityRequest, envelope: Envelope, peer: Peer) -> m.JobReply:
        job = self._own_job(request.job_id, peer, "change the priority of")
        job = self._queue.set_priority(job, request.priority)
        return m.JobReply(job=self._views.info(job))

    def on_job(self, request: m.JobRequest, envelope: Envelope, peer: Peer) -> m.JobReply:
        return m.JobReply(job=self._views.info(self._queue.find(request.job_id)))

    def on_jobs(self, request: m.JobsRequest, envelope: Envelope, peer: Peer) -> m.JobsReply:
        states = set(request.states) if request.states else None
        jobs = self._views.snapshot(states, finished_limit=request.limit)
        return m.JobsReply(jobs=jobs, seq=self._publisher.seq, epoch=self._publisher.epoch)

    def _own_job(self, job_id: str, peer: Peer, action: str) -> JobRecord:
        job = self._queue.find(job_id)
        self._permissions.check_job(peer.user, peer.admin, action, job.id, job.user)
        return job
