"""Requests of LoRA training: uploads, datasets, training jobs, trained presets and their evaluation."""

from __future__ import annotations

import asyncio

from ..jobs.views import JobViews
from ..protocol import Envelope, ErrorCode, WorkerError
from ..protocol import messages as m
from ..training.assembly import Training
from .dispatch import Peer


class TrainingRequests:
    def __init__(self, training: Training, views: JobViews):
        self._training = training
        self._views = views

    async def on_upload(self, request: m.UploadRequest, envelope: Envelope, peer: Peer) -> m.UploadReply:
        digest = await asyncio.to_thread(self._training.sources.keep_upload, request.png, "png", "for a dataset")
        width, height = await asyncio.to_thread(self._training.upload_size, digest)
        return m.UploadReply(image=f"upload:{digest}", width=width, height=height)

    async def on_dataset(self, request: m.DatasetRequest, envelope: Envelope, peer: Peer) -> m.DatasetReply:
        entries, problems = await self._training.datasets.entries(
            request.images, request.query, request.winners, peer.user
        )
        return m.DatasetReply(items=entries, problems=problems)

    async def on_train(self, request: m.TrainRequest, envelope: Envelope, peer: Peer) -> m.JobReply:
        earlier = self._training.made_by(envelope.id, peer.user)
        if earlier is not None:
            return m.JobReply(job=self._views.info(earlier))
        entries, problems = await self._training.datasets.entries(
            request.images, request.query, request.winners, peer.user
        )
        if problems:
            shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
            raise WorkerError(
                ErrorCode.INVALID,
                f"cannot train on this dataset: {shown}",
                {"field": "images", "problems": problems[:50]},
            )
        job = self._training.submit(request, entries, peer.client, peer.user, envelope.id)
        return m.JobReply(job=self._views.info(job))

    async def on_trained(self, request: m.TrainedRequest, envelope: Envelope, peer: Peer) -> m.TrainedReply:
        return m.TrainedReply(trained=await self._training.trained(request.name, request.loss_curve))

    def on_evaluate(self, request: m.EvaluateRequest, envelope: Envelope, peer: Peer) -> m.EvaluateReply:
        comparisons = self._training.evaluations.evaluate(request, peer.client, peer.user, envelope.id)
        return m.EvaluateReply(comparisons=comparisons)
