"""Putting a finished job's images into the game project as an asset's files, all at once or not at all, and
recording them in the lock. The files and the Bevy manifest are written as `export --bevy` writes them."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.protocol import messages as m

from ..bevy_export import (
    MANIFEST_NAME,
    SPRITES_DIR,
    ExportItem,
    clean_name,
    export_item,
    export_to_bevy,
    forget,
    sheet_item,
)
from .lock import Lock, Made, file_hash
from .manifest import Asset, Manifest


class LandingError(Exception):
    """The asset's files cannot be put in place; the message says why and what to do. Nothing was written."""


async def land(
    client: AsyncClient, manifest: Manifest, asset: Asset, job: m.JobInfo, lock: Lock, worker_version: str, force: bool
) -> list[Path]:
    """Fetch the job's images, write the asset's files, forget files of its previous build that it no longer
    makes, and record it in the lock (saved). Returns the files written, the Bevy manifest last."""
    replies = [await client.image(image_id) for image_id in job.images]
    if len(replies) != asset.count:
        raise LandingError(f"job {job.id} made {len(replies)} image(s) where {asset.count} were asked for")
    names = [asset.name] if asset.count == 1 else [f"{asset.name}-{n}" for n in range(1, asset.count + 1)]
    items: list[ExportItem] = []
    for name, image_id, reply in zip(names, job.images, replies, strict=True):
        assert reply.png is not None
        items.append(export_item(name, reply.png, {**reply.image.params, "image_id": image_id}))
    if asset.sheet:
        items = [sheet_item(items, asset.name, asset.columns, asset.padding)]
    root = manifest.bevy
    before = lock.assets.get(asset.name)
    if not force:
        _refuse_foreign(root, asset, items, before)
    written = export_to_bevy(root, asset.category, items, force=True)
    outputs = {
        path.relative_to(root.resolve()).as_posix(): file_hash(path) or ""
        for path in written
        if path.name != MANIFEST_NAME
    }
    if before is not None:
        _remove_unmade(root, before, outputs)
    params = replies[0].image.params if replies else {}
    lock.assets[asset.name] = Made(
        inputs_hash=asset.inputs_hash,
        inputs=asset.inputs,
        outputs=outputs,
        model=job.model,
        backend=job.backend or "",
        checkpoint=str(params.get("checkpoint") or ""),
        loras=[str(lora.get("name")) for lora in params.get("loras") or [] if isinstance(lora, dict)],
        seeds=[reply.image.seed for reply in replies],
        worker_version=worker_version,
        job=job.id,
        images=list(job.images),
        built_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    )
    lock.queued.pop(asset.name, None)
    lock.save()
    return written


def retire(manifest: Manifest, name: str, lock: Lock) -> list[Path]:
    """An asset removed from the manifest: its files go with their manifest entries (one edited by hand since
    stays), and it leaves the lock (saved). Returns the files removed."""
    made = lock.assets.pop(name, None)
    lock.queued.pop(name, None)
    removed = _remove_unmade(manifest.bevy, made, {}) if made is not None else []
    lock.save()
    return removed


def _remove_unmade(root: Path, before: Made, outputs: dict[str, str]) -> list[Path]:
    """The files of the asset's previous build that this one did not write again (fewer images, another
    category) go, with their manifest entries; one edited by hand since stays. Returns those removed."""
    removed = []
    for relative, digest in before.outputs.items():
        old = root / relative
        if relative not in outputs and file_hash(old) == digest:
            old.unlink(missing_ok=True)
            removed.append(old)
    if removed:
        forget(root, removed)
    return removed


def _refuse_foreign(root: Path, asset: Asset, items: list[ExportItem], before: Made | None) -> None:
    """LandingError when a file the asset would write is there, was not made by this build, and is another
    image: someone's own sprite is never replaced without --force."""
    ours = set(before.outputs) if before is not None else set()
    for item in items:
        relative = (SPRITES_DIR / asset.category / f"{clean_name(item.name)}.png").as_posix()
        path = root / relative
        if relative in ours or not path.exists():
            continue
        if file_hash(path) != hashlib.sha256(item.png).hexdigest():
            raise LandingError(
                f"{relative} is already there and was not made by this build; move it away, or give "
                f"`--force` to replace it"
            )
