"""The queue as clients use it: submit, retry, cancel, reorder, and find a job by id or prefix."""

from __future__ import annotations

from collections.abc import Iterable

from ..database import Statement
from ..protocol import ErrorCode, WorkerError
from ..protocol.messages import GenerateParams, GenerateRequest, JobState
from ..settings.config import Settings
from .active import ActiveJobs
from .catalogue import ModelCatalogue
from .lifecycle import JobLifecycle
from .params import JobParams, SpriteParams, TrainingParams, complete_sprite_params
from .record import JobRecord
from .slots import Slots
from .sources import VariationSources
from .store import JobStore

PREFIX_CANDIDATES = 5  # jobs an ambiguous prefix names in its error


class JobQueue:
    def __init__(
        self,
        lifecycle: JobLifecycle,
        store: JobStore,
        active: ActiveJobs,
        catalogue: ModelCatalogue,
        slots: Slots,
        settings: Settings,
        sources: VariationSources | None = None,
    ):
        self._lifecycle = lifecycle
        self._store = store
        self._active = active
        self._catalogue = catalogue
        self._slots = slots
        self._settings = settings
        self._sources = sources

    def submit(self, request: GenerateRequest, client: str, user: str, request_id: str | None) -> JobRecord:
        """A new queued job; or, for a request sent again with the same id (its reply was lost), the job the first
        one made, as it is now."""
        earlier = self._made_by(request_id, user, retry_of=None)
        if earlier is not None:
            return earlier
        params = self.complete(request)
        if self._sources is not None and params.strength is not None:  # a variation: its source checked and kept
            params = params.model_copy(update={"init_image": self._sources.resolve(request)})
        return self._lifecycle.add([self._lifecycle.new_job(params, request.priority, client, user, request_id)])[0]

    def submit_params(
        self, params: JobParams, priority: int, client: str, user: str, request_id: str | None
    ) -> JobRecord:
        """Queue a job whose parameters were completed elsewhere (a training job: training/submission.py)."""
        self._check_accepting()
        return self._lifecycle.add([self._lifecycle.new_job(params, priority, client, user, request_id)])[0]

    def made_by(self, request_id: str | None, user: str) -> JobRecord | None:
        """The job a request with this id made already, as submit() finds it."""
        return self._made_by(request_id, user, retry_of=None)

    def keep_upload(self, data: bytes) -> None:
        """Check and keep an image a request sends to be varied, before submit() (which then only finds it)."""
        if self._sources is not None:
            self._sources.keep_upload(data)

    def complete(self, request: GenerateParams) -> SpriteParams:
        """Complete parameters for a job, checked against the models and limits, without queueing it."""
        self._check_accepting()
        models = self._catalogue.models()
        return complete_sprite_params(request, models, self._settings.worker.default_model, self._settings.limits)

    def new_job(self, params: JobParams, priority: int, client: str, user: str, request_id: str | None) -> JobRecord:
        """A job whose parameters came from complete() (which checked that the queue takes jobs), for add()."""
        return self._lifecycle.new_job(params, priority, client, user, request_id)

    def add(self, jobs: list[JobRecord], also: Iterable[Statement] = ()) -> list[JobRecord]:
        """Queue jobs from new_job() together with what `also` records of them, in one transaction: all or none."""
        return self._lifecycle.add(jobs, also)

    def retry(self, job: JobRecord, client: str, user: str, request_id: str | None) -> JobRecord:
        """A new job with `job`'s parameters; for a request sent again with the same id, the one it made."""
        earlier = self._made_by(request_id, user, retry_of=job.id)
        if earlier is not None:
            return earlier
        if not job.state.terminal:
            raise WorkerError(
                ErrorCode.INVALID,
                f"job {job.id} is still {job.state.value}; only finished jobs are retried",
                {"state": job.state.value},
            )
        if isinstance(job.params, TrainingParams) and job.state is JobState.COMPLETED:
            name = job.params.name
            raise WorkerError(
                ErrorCode.INVALID,
                f"job {job.id} trained preset {name} already; to train it again, give it another name: "
                f"`dgx-pixels train start NEW-NAME --like {name}`",
                {"state": job.state.value},
            )
        self._check_accepting()
        return self._lifecycle.add(
            [self._lifecycle.new_job(job.params, job.priority, client, user, request_id, job.id)]
        )[0]

    def cancel(self, job: JobRecord) -> JobRecord:
        """A queued job ends at once; a running one is asked to stop and ends with job.cancelled."""
        if job.state.terminal:
            raise WorkerError(
                ErrorCode.JOB_FINISHED,
                f"job {job.id} already {job.state.value}; there is nothing to cancel",
                {"state": job.state.value},
            )
        if job.id in self._active.queued:
            return self._lifecycle.cancel_queued(self._active.queued.get(job.id) or job)
        if job.id in self._active.held:
            raise WorkerError(
                ErrorCode.DISK_FULL,
                f"job {job.id} is waiting for disk space to record how it stands; cancel it once the queue resumes",
                {"job_id": job.id},
            )
        running = self._active.running.get(job.id)
        if running is not None and running.task is not None:
            running.cancel_requested = True
            running.task.cancel()
            return running.record
        return job

    def set_priority(self, job: JobRecord, priority: int) -> JobRecord:
        """Move a queued job in the queue; clients hear job.updated. An unchanged priority writes nothing."""
        if job.state is not JobState.QUEUED:
            why = "is already running" if job.state is JobState.RUNNING else f"already {job.state.value}"
            raise WorkerError(
                ErrorCode.INVALID, f"job {job.id} {why}; priority only orders queued jobs", {"state": job.state.value}
            )
        if priority == job.priority:
            return job
        return self._lifecycle.set_priority(job, priority)

    def find(self, job_id: str) -> JobRecord:
        """A job by its id or by a prefix that only it has, whatever its state: live records (queued, running,
        held) and stored ones are searched alike, and a live record wins over its stored copy. A prefix of
        several jobs is AMBIGUOUS_JOB with the candidates, none is UNKNOWN_JOB; cancel, retry, priority and job
        all come here, so each resolves an id the same way."""
        found = self._active.find(job_id) or self._store.job(job_id)
        if found is not None:
            return found
        matches = sorted(
            set(self._active.ids_with_prefix(job_id)) | set(self._store.ids_with_prefix(job_id, PREFIX_CANDIDATES + 1))
        )
        if len(matches) == 1:
            return self.find(matches[0])
        if matches:
            shown = [self._described(match) for match in matches[:PREFIX_CANDIDATES]]
            more = f" and {len(matches) - PREFIX_CANDIDATES} more" if len(matches) > PREFIX_CANDIDATES else ""
            raise WorkerError(
                ErrorCode.AMBIGUOUS_JOB,
                f"{job_id!r} is ambiguous: it starts the ids of {', '.join(shown)}{more}; type more of the id",
                {"job_id": job_id, "matches": matches[:PREFIX_CANDIDATES]},
            )
        raise WorkerError(
            ErrorCode.UNKNOWN_JOB, f"no job {job_id!r}; `dgx-pixels queue` lists jobs", {"job_id": job_id}
        )

    def _described(self, job_id: str) -> str:
        job = self._active.find(job_id) or self._store.job(job_id)
        return f"{job_id} ({job.state.value})" if job is not None else job_id

    def _made_by(self, request_id: str | None, user: str, retry_of: str | None) -> JobRecord | None:
        """The job a request with this id made already (None if none); a request id that made something else is
        refused, so that a new request sent with an old id is not mistaken for that one sent again."""
        if not request_id:
            return None
        made = self._store.made_by_request(request_id)
        if not made:
            return None
        if len(made) > 1 or made[0].retry_of != retry_of or made[0].user != user:
            raise WorkerError(
                ErrorCode.INVALID,
                f"request id {request_id!r} was used by another request already; send each new request with a new id",
                {"request_id": request_id},
            )
        return self.find(made[0].id)

    def _check_accepting(self) -> None:
        if self._slots.stopping:
            raise WorkerError(ErrorCode.SHUTTING_DOWN, "the worker is shutting down; submit again once it is back")
        queued, limit = len(self._active.queued), self._settings.limits.max_queued
        if queued >= limit:
            raise WorkerError(
                ErrorCode.QUEUE_FULL,
                f"the queue already holds {queued} jobs (limit {limit}); wait for some to finish or cancel a few",
            )
