"""A text field that holds no more than the worker accepts: a paste past the limit is cut there, and said so.

A bare Input takes any paste whole; 100 KB of text in one line makes every keystroke and redraw measure it
again, which stalls the app. The worker refuses prompts over `[limits] prompt_chars` anyway (hello.limits)."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

DEFAULT_PROMPT_CHARS = 2000  # the shipped `[limits] prompt_chars`, until the worker's hello says otherwise


class PromptInput(Input):
    def __init__(self, *, what: str = "a prompt", **kwargs: object) -> None:
        kwargs.setdefault("max_length", DEFAULT_PROMPT_CHARS)
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.what = what

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        lines = event.text.splitlines()
        if not lines:
            return
        line = lines[0]
        start, end = sorted(self.selection)
        room = self.max_length - (len(self.value) - (end - start)) if self.max_length else len(line)
        if len(line) > room:
            self.notify(
                f"pasted {len(line):,} characters; {self.what} holds at most {self.max_length:,} "
                f"(the worker's [limits] prompt_chars), so the rest was left out",
                title="paste cut",
                severity="warning",
                timeout=8,
            )
            line = line[: max(0, room)]
        if line:
            self.replace(line, start, end)

    def restricted(self) -> None:
        """Typing past the limit: say why the key did nothing, instead of only ringing the bell."""
        if self.max_length and len(self.value) >= self.max_length:
            self.notify(
                f"{self.what} holds at most {self.max_length:,} characters (the worker's [limits] prompt_chars)",
                severity="warning",
                timeout=4,
            )
        super().restricted()
