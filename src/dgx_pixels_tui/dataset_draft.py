"""A training dataset as the Train screen edits it: where it comes from, the worker's items with their captions and
problems, captions changed and items dropped here before `train`. Plain Python, no Textual."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dgx_pixels_worker.protocol import messages as m

FOLDER_STARTS = ("/", "~", "./", "../")


@dataclass(frozen=True)
class Source:
    """One of a gallery query, the winners of a tag, or a folder on this machine."""

    query: str | None = None
    winners: str | None = None
    folder: Path | None = None


def parse_source(text: str) -> Source:
    """`tag:knights` or `knight` (a gallery query), `winners:knights` (`winners:` alone: every vote), or a folder
    path here (starting with / ~ ./ ../, or a folder that exists); ValueError for nothing typed."""
    text = text.strip()
    if not text:
        raise ValueError("say where the dataset comes from: tag:knights, winners:knights or a folder such as ~/sprites")
    if text.startswith("winners:"):
        return Source(winners=text.removeprefix("winners:").strip())
    path = Path(text).expanduser()
    if text.startswith(FOLDER_STARTS) or (not text.startswith("tag:") and path.is_dir()):
        return Source(folder=path)
    return Source(query=text)


@dataclass
class DatasetDraft:
    source: Source
    entries: list[m.DatasetEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the worker's, as it answered `dataset`
    local: dict[str, bytes] = field(default_factory=dict)  # images sent from this machine, by their upload id
    edited: bool = False  # captions changed or items dropped since the worker answered

    def caption(self, index: int, text: str) -> None:
        entry = self.entries[index]
        self.entries[index] = entry.model_copy(update={"caption": " ".join(text.split())})
        self.edited = True

    def drop(self, index: int) -> None:
        dropped = self.entries.pop(index)
        if dropped.problem in self.problems:  # the worker lists each image's problem among the dataset's
            self.problems.remove(dropped.problem)
        self.edited = True

    @property
    def refusal(self) -> str | None:
        """Why `train` cannot start with this dataset, and what to do; None when it can."""
        if not self.entries:
            return "the dataset is empty: load one (ctrl+l) from a query, the winners of a tag or a folder"
        bad = [entry for entry in self.entries if entry.problem]
        if bad:
            return f"{len(bad)} image(s) cannot be trained on (in red): drop them with x, or load another dataset"
        if self.problems:
            return "; ".join(self.problems)
        return None

    def items(self) -> list[dict[str, Any]]:
        """The dataset as `train` takes it: each image with its caption as edited here."""
        return [{"image": entry.image, "caption": entry.caption} for entry in self.entries]
