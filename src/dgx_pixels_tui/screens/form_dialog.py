"""What the small dialogs (export, vary, variant) share: a form at the top of the screen, clear of the
notifications shown before it opened, a line inside it that says what to fix, and escape to cancel."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen
from textual.widgets import Static

T = TypeVar("T")


class FormDialog(ModalScreen[T]):
    """Compose the form in a container of class `form-dialog`, its error line as a Static of class `form-error`,
    and fields side by side in a Horizontal of class `form-row`."""

    DEFAULT_CSS = """
    FormDialog { align: center top; }
    FormDialog .form-dialog { width: 70; max-width: 100%; height: auto; margin-top: 1; padding: 1 2;
                              border: thick $primary; background: $surface; }
    FormDialog .form-row { height: auto; }
    FormDialog .form-row Vertical { width: 1fr; height: auto; }
    FormDialog .form-error { display: none; height: auto; color: $error; margin-top: 1; }
    FormDialog .form-dialog .hint { color: $text-muted; margin-top: 1; }
    """

    def on_mount(self) -> None:
        self.app.clear_notifications()  # a note left from before would cover the dialog's foot

    def refuse(self, message: str, field: str | None = None) -> None:
        """Say what is wrong inside the dialog, and go to the field that needs fixing when there is one."""
        error = self.query_one(".form-error", Static)
        error.update(message)
        error.display = True
        if field is not None:
            self.query_one(field).focus()

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
