"""What each person may do: anything with their own jobs; the worker's admins anything at all."""

from __future__ import annotations

from collections.abc import Callable

from ..protocol import ErrorCode, WorkerError


class Permissions:
    def __init__(self, admins: Callable[[], list[str]]):
        self._admins = admins

    def check_job(self, user: str, admin: bool, action: str, job_id: str, owner: str) -> None:
        """Refuse `action` on a job that is someone else's, unless `user` is an admin."""
        if admin or (owner and user == owner):
            return
        whose = f"belongs to {owner}" if owner else "has no recorded owner"
        others = [a for a in sorted(self._admins()) if a != owner]
        if not owner:
            allowed = f"an admin ({self._admin_list()})"
        elif others:
            allowed = f"{owner} or an admin ({', '.join(others)})"
        else:
            allowed = owner
        raise WorkerError(
            ErrorCode.FORBIDDEN,
            f"job {job_id} {whose}: only {allowed} may {action} it",
            {"owner": owner, "admins": self._admins()},
        )

    def check_admin(self, admin: bool, action: str) -> None:
        if not admin:
            raise WorkerError(
                ErrorCode.FORBIDDEN,
                f"only an admin of this worker ({self._admin_list()}) may {action}",
                {"admins": self._admins()},
            )

    def _admin_list(self) -> str:
        return ", ".join(sorted(self._admins())) or "its owner"
