"""Deciding what a build makes: each asset of the manifest against the lock and the files in the game project.
Reads files and hashes them; asks the worker nothing, so `build --check` runs in CI without one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from .lock import Lock, file_hash, read_lock
from .manifest import Asset, Manifest, ManifestError, read_manifest


class Status(Enum):
    UP_TO_DATE = "up to date"
    NEW = "new"  # never built
    CHANGED = "changed"  # what it is made from changed
    MISSING = "missing"  # a file it made is gone
    EDITED = "edited"  # a file it made was changed since: made again only with --force
    PENDING = "pending"  # an interrupted build queued its job: it lands, whatever the files say meanwhile


@dataclass(frozen=True)
class Decision:
    asset: Asset
    status: Status
    detail: str = ""  # which fields changed, which file is missing or edited

    @property
    def to_make(self) -> bool:
        return self.status not in (Status.UP_TO_DATE, Status.EDITED)

    @property
    def reason(self) -> str:
        return self.status.value + (f" ({self.detail})" if self.detail else "")

    def text(self) -> str:
        return f"{self.asset.name}: {self.reason}"


@dataclass(frozen=True)
class Plan:
    manifest: Manifest
    lock: Lock
    decisions: list[Decision]
    removed: list[str]  # assets the lock has and the manifest no longer does: their files go

    @property
    def to_make(self) -> list[Asset]:
        return [d.asset for d in self.decisions if d.to_make]

    @property
    def up_to_date(self) -> int:
        return sum(d.status is Status.UP_TO_DATE for d in self.decisions)

    @property
    def edited(self) -> list[Decision]:
        return [d for d in self.decisions if d.status is Status.EDITED]

    @property
    def total(self) -> int:
        """The assets it speaks of: those decided, and those removed from the manifest."""
        return len(self.decisions) + len(self.removed)

    def counts(self) -> str:
        """'2 to make, 5 up to date', and ', 1 to remove' when an asset left the manifest."""
        removing = f", {len(self.removed)} to remove" if self.removed else ""
        return f"{len(self.to_make)} to make, {self.up_to_date} up to date{removing}"

    def stale(self) -> dict[str, str]:
        """What `--check` reports: each asset not up to date, and each one removed, with why."""
        stale = {d.asset.name: d.reason for d in self.decisions if d.status is not Status.UP_TO_DATE}
        return stale | dict.fromkeys(self.removed, "removed from the manifest (its files are still there)")


def plan_build(file: Path, bevy: Path | None = None, only: list[str] | None = None, force: bool = False) -> Plan:
    """The manifest at `file`, its lock, a decision for each asset (those in `only`, else all), and the assets
    removed from the manifest (none when `only` names some). ManifestError for either file, or an unknown name
    in `only`."""
    manifest = read_manifest(file, bevy)
    lock = read_lock(manifest.lock_path)
    names = {asset.name for asset in manifest.assets}
    removed = [] if only else sorted(name for name in lock.assets.keys() | lock.queued.keys() if name not in names)
    return Plan(manifest, lock, decide(manifest, lock, only, force), removed)


def decide(manifest: Manifest, lock: Lock, only: list[str] | None = None, force: bool = False) -> list[Decision]:
    """One decision per asset (those named in `only`, else all), in the manifest's order. `force`: every
    asset is to be made, edited ones too. ManifestError for a name in `only` that the manifest lacks."""
    assets = manifest.assets
    if only:
        known = {asset.name for asset in assets}
        unknown = [name for name in only if name not in known]
        if unknown:
            raise ManifestError(
                f"{manifest.path} has no asset {', '.join(unknown)}; it has {', '.join(sorted(known)) or 'none'}"
            )
        assets = [asset for asset in assets if asset.name in only]
    decisions = [_decide(asset, lock, manifest.bevy) for asset in assets]
    if force:
        return [
            d if d.to_make else Decision(d.asset, Status.CHANGED, f"--force; was {d.status.value}") for d in decisions
        ]
    return decisions


def _decide(asset: Asset, lock: Lock, root: Path) -> Decision:
    queued = lock.queued.get(asset.name)
    if queued is not None and queued.inputs_hash == asset.inputs_hash:
        return Decision(asset, Status.PENDING, f"job {queued.job} of an interrupted build waits to land")
    made = lock.assets.get(asset.name)
    if made is None:
        return Decision(asset, Status.NEW)
    if made.inputs_hash != asset.inputs_hash:
        return Decision(asset, Status.CHANGED, changed_fields(made.inputs, asset.inputs))
    for relative, digest in made.outputs.items():
        found = file_hash(root / relative)
        if found is None:
            return Decision(asset, Status.MISSING, f"{relative} is gone")
        if found != digest:
            return Decision(
                asset,
                Status.EDITED,
                f"{relative} was changed since it was built; `build --force {asset.name}` makes it again, "
                "`build --keep-edits` keeps the change",
            )
    return Decision(asset, Status.UP_TO_DATE)


def changed_fields(before: dict[str, object], now: dict[str, object]) -> str:
    """The fields whose values differ, for a person: 'prompt, seed changed'."""
    names = sorted(key for key in before.keys() | now.keys() if before.get(key) != now.get(key))
    if names == ["format"]:
        return "made by an older dgx-pixels"
    return f"{', '.join(name for name in names if name != 'format')} changed" if names else "changed"
