"""A training dataset from what a request names: gallery images (by id, or found by a query), the images that won
a person's votes, and images the client uploaded; each with its caption, its size and what is wrong with it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from ..database import Database
from ..gallery.images import ImageStore
from ..jobs.params import DatasetImage
from ..jobs.sources import UPLOAD_PREFIX, UPLOADS, VariationSources
from ..protocol import ErrorCode, WorkerError
from ..protocol import messages as m
from ..settings import paths
from .images import image_size, prepared_png, visible_colours


@dataclass(frozen=True)
class Candidate:
    image: str  # full gallery id, or "upload:<sha256>"
    caption: str
    path: Path | None  # None when the image is gone
    frames: int
    problem: str | None = None


class Datasets:
    def __init__(self, db: Database, images: ImageStore, sources: VariationSources, data_dir: Path):
        self._db = db
        self._images = images
        self._sources = sources
        self._data_dir = data_dir

    async def entries(
        self, items: list[m.DatasetItem], query: str | None, winners: str | None, user: str
    ) -> tuple[list[m.DatasetEntry], list[str]]:
        """Each image with its caption, size and problem, and what stops training on them (empty when nothing)."""
        candidates = self._candidates(items, query, winners, user)
        entries = await asyncio.to_thread(lambda: [self._checked(c) for c in candidates])
        return entries, problems_of(entries)

    def dataset(self, entries: list[m.DatasetEntry]) -> tuple[DatasetImage, ...]:
        return tuple(DatasetImage(image=e.image, caption=e.caption) for e in entries)

    def prepared(self, dataset: tuple[DatasetImage, ...], size: int) -> list[tuple[bytes, str]]:
        """(PNG to train on, caption) for each image of a queued job's dataset; run it in a thread. INVALID when
        an image has gone since the job was queued."""
        out = []
        for item in dataset:
            candidate = self._candidate(item.image, item.caption)
            if candidate.path is None:
                raise WorkerError(ErrorCode.INVALID, f"{candidate.problem}; train again without it")
            out.append((prepared_png(candidate.path.read_bytes(), candidate.frames, size), item.caption))
        return out

    # ---------------------------------------------------------------- finding the images

    def _candidates(
        self, items: list[m.DatasetItem], query: str | None, winners: str | None, user: str
    ) -> list[Candidate]:
        found: dict[str, Candidate] = {}
        for item in items:
            candidate = self._candidate(item.image.strip(), item.caption)
            found.setdefault(candidate.image, candidate)
        if query is not None and query.strip():
            for image_id in self._query(query.strip()):
                found.setdefault(image_id, self._candidate(image_id, None))
        if winners is not None:
            for image_id in self._winners(winners.strip(), user):
                found.setdefault(image_id, self._candidate(image_id, None))
        return list(found.values())[: m.MAX_DATASET + 1]

    def _candidate(self, wanted: str, caption: str | None) -> Candidate:
        if wanted.startswith(UPLOAD_PREFIX):
            digest = wanted.removeprefix(UPLOAD_PREFIX)
            path = paths.inside(self._data_dir, f"{UPLOADS}/{digest}.png") if digest.isalnum() else None
            if path is None or not path.is_file():
                return Candidate(wanted, caption or "", None, 1, f"{wanted} is not an image this worker keeps")
            return Candidate(wanted, caption or "", path, 1)
        try:
            image_id = self._sources.gallery_id(wanted)
        except WorkerError as exc:
            return Candidate(wanted, caption or "", None, 1, exc.message.replace(" to vary", ""))
        info = self._images.image(image_id)
        if info is None:
            return Candidate(image_id, caption or "", None, 1, f"image {image_id} is no longer in the gallery")
        prompt = info.params.get("prompt")
        default = prompt if isinstance(prompt, str) else ""
        return Candidate(image_id, default if caption is None else caption, self._data_dir / info.path, info.frames)

    def _query(self, query: str) -> list[str]:
        """Gallery images for "tag:T", "model:M" and words of the prompt, newest first, as many as a dataset holds."""
        tag = model = None
        words = []
        for part in query.split():
            if part.startswith("tag:"):
                tag = part.removeprefix("tag:")
            elif part.startswith("model:"):
                model = part.removeprefix("model:")
            else:
                words.append(part)
        images, _ = self._images.images(" ".join(words), model, tag, limit=m.MAX_DATASET + 1)
        return [image.id for image in images]

    def _winners(self, tag: str, user: str) -> list[str]:
        """The images that won `user`'s votes, on comparisons tagged `tag` (every comparison for "")."""
        rows = self._db.rows(
            "SELECT COALESCE(p.image_id, (SELECT i.id FROM images AS i WHERE i.job_id = p.job_id AND i.idx = 0))"
            " FROM votes AS v JOIN comparison_panels AS p ON p.comparison_id = v.comparison_id AND p.panel = v.winner"
            " WHERE v.user = ? AND v.outcome = 'win' AND (? = '' OR EXISTS (SELECT 1 FROM json_each(v.tags)"
            " WHERE json_each.value = ?)) ORDER BY v.id LIMIT ?",
            (user, tag, tag, m.MAX_DATASET + 1),
        )
        return [str(row[0]) for row in rows if row[0]]

    # ---------------------------------------------------------------- checking them

    def _checked(self, candidate: Candidate) -> m.DatasetEntry:
        width = height = 0
        problem = candidate.problem
        if candidate.path is not None:
            try:
                data = candidate.path.read_bytes()
                width, height = image_size(data)
                if candidate.frames > 1:
                    width //= candidate.frames
                if visible_colours(data, candidate.frames) < 2:
                    problem = f"{candidate.image} is a single colour: a LoRA learns nothing from it; leave it out"
            except OSError:
                problem = f"{candidate.image} is gone from the data directory; leave it out"
        if problem is None and not candidate.caption.strip():
            problem = f"{candidate.image} has no caption: write one (what the image shows)"
        return m.DatasetEntry(
            image=candidate.image, caption=candidate.caption, width=width, height=height, problem=problem
        )


def problems_of(entries: list[m.DatasetEntry]) -> list[str]:
    if not entries:
        return [
            "the dataset is empty: name gallery images, a query such as tag:knights, the winners of your votes for "
            "a tag, or a folder of sprites on your machine"
        ]
    problems = [e.problem for e in entries if e.problem]
    if len(entries) > m.MAX_DATASET:
        problems.append(f"the dataset has more than {m.MAX_DATASET} images; narrow the query")
    return problems
