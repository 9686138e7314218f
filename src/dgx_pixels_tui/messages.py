"""Textual messages carrying what the worker link reports."""

from __future__ import annotations

from textual.message import Message

from .link import LinkUpdate, PreviewArrived, QueueChanged


# No bubbling: the app hands each update to the screen on show, and one bubbling back up would be handed
# over again, forever.
class LinkUpdated(Message, bubble=False):
    def __init__(self, update: LinkUpdate) -> None:
        super().__init__()
        self.update = update

    def can_replace(self, message: Message) -> bool:
        """Whether the newer `message` makes this one pointless: a burst of progress for a job collapses to
        its newest state, and a newer preview of a job replaces the older one. A full-queue refresh (job_id
        None) is never dropped for a single job's update."""
        if not isinstance(message, LinkUpdated):
            return False
        old, new = self.update, message.update
        if isinstance(new, QueueChanged) and isinstance(old, QueueChanged):
            return new.job_id == old.job_id or new.job_id is None
        if isinstance(new, PreviewArrived) and isinstance(old, PreviewArrived):
            return new.preview.job_id == old.preview.job_id
        return False
