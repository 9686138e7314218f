"""Textual messages, one per kind of thing the worker link reports; screens handle them with `on_<name>` methods.

The link (link.py) is plain Python and reports plain update objects; `link_message` turns each into its message
here, at the app's edge. The app posts it to itself and hands it to the screen shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from . import link

if TYPE_CHECKING:
    from dgx_pixels_worker.protocol import messages as m


# No bubbling: the app hands each message to the screen shown, and one bubbling back up would be handed over
# again, forever.
@dataclass
class LinkMessage(Message, bubble=False):
    """Something the worker link reported."""


@dataclass
class ConnectionChanged(LinkMessage, bubble=False):
    """Connected, or lost (said again at each failed attempt); `hello` is the worker's last greeting."""

    state: link.LinkState
    detail: str
    hello: m.HelloReply | None = None


@dataclass
class QueueChanged(LinkMessage, bubble=False):
    """A job of the mirrored queue changed; `job_id` None: the whole queue was replaced by a snapshot."""

    job_id: str | None

    def can_replace(self, message: Message) -> bool:
        """A burst of progress for a job collapses to its newest state; a full-queue refresh (job_id None) is never
        dropped for a single job's update."""
        return isinstance(message, QueueChanged) and (message.job_id == self.job_id or message.job_id is None)


@dataclass
class JobFinished(LinkMessage, bubble=False):
    """A job ended (completed, failed or cancelled), as it ended."""

    job: m.JobInfo


@dataclass
class PreviewArrived(LinkMessage, bubble=False):
    """An in-progress image of a running job."""

    preview: m.JobPreview

    def can_replace(self, message: Message) -> bool:
        """A newer preview of a job replaces the older one."""
        return isinstance(message, PreviewArrived) and message.preview.job_id == self.preview.job_id


@dataclass
class StatusArrived(LinkMessage, bubble=False):
    status: m.StatusReply


@dataclass
class HeartbeatArrived(LinkMessage, bubble=False):
    heartbeat: m.Heartbeat


@dataclass
class ComparisonChanged(LinkMessage, bubble=False):
    """A comparison was made, or one of its panels or its votes changed."""

    comparison: m.ComparisonInfo


@dataclass
class PauseChanged(LinkMessage, bubble=False):
    """The worker's queue paused (`reason` says why and what to do) or runs again (None)."""

    reason: str | None


def link_message(update: link.LinkUpdate) -> LinkMessage:
    """The message that carries one update of the link."""
    match update:
        case link.StateChanged(state, detail, hello):
            return ConnectionChanged(state, detail, hello)
        case link.QueueChanged(job_id):
            return QueueChanged(job_id)
        case link.JobFinished(job):
            return JobFinished(job)
        case link.PreviewArrived(preview):
            return PreviewArrived(preview)
        case link.StatusArrived(status):
            return StatusArrived(status)
        case link.HeartbeatArrived(heartbeat):
            return HeartbeatArrived(heartbeat)
        case link.ComparisonChanged(comparison):
            return ComparisonChanged(comparison)
        case link.PauseChanged(reason):
            return PauseChanged(reason)
