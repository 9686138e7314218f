"""What a front end says about a job's prompt: the words the procedural generator drew nothing for."""

from __future__ import annotations

from collections.abc import Sequence


def unused_words_note(words: Sequence[str]) -> str:
    """`not drawn: spaceship, archer (…)` for a job's `unused_words`, or "" when every word of the prompt was used."""
    if not words:
        return ""
    return f"not drawn: {', '.join(words)} (the procedural generator cannot use these words)"
