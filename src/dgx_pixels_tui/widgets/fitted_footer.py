"""The footer, fitted to the terminal: when the keys of the screen shown do not fit in one line, long
descriptions shrink to their first word ("Export to Bevy" to "Export"), unless two would then read the same;
the whole description stays in the key's tooltip, in Help (F1) and in the command palette (ctrl+p). A screen
names in FOOTER_SPARES the actions whose keys leave the footer when even that does not fit (a key its screen
mentions where it is used, such as the gallery's w beside the image it toggles)."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

PALETTE_CELLS = 12  # what the palette key on the right takes
SHORT_ENOUGH = 6  # descriptions this long are kept whole


def short(description: str) -> str:
    return re.split(r"[ /]", description, maxsplit=1)[0]


def fitted(descriptions: list[tuple[str, str]], width: int, spares: frozenset[str] = frozenset()) -> list[str | None]:
    """The descriptions to show for (key shown, description) pairs in `width` cells; None for a key left out
    (one whose description is in `spares`, when shortening is not enough)."""

    def cells(shown: list[str | None]) -> int:
        pairs = zip(descriptions, shown, strict=True)
        return PALETTE_CELLS + sum(len(key) + len(text) + 2 for (key, _), text in pairs if text is not None)

    shown: list[str | None] = [text for _, text in descriptions]
    if cells(shown) <= width:
        return shown
    shortened = [short(text) if len(text) > SHORT_ENOUGH else text for _, text in descriptions]
    clashing = {text for text in shortened if shortened.count(text) > 1}
    pairs = zip(descriptions, shortened, strict=True)
    shown = [text if short_text in clashing else short_text for (_, text), short_text in pairs]
    if cells(shown) <= width:
        return shown
    return [None if text in spares else shown_text for (_, text), shown_text in zip(descriptions, shown, strict=True)]


class FittedFooter(Footer):
    def compose(self) -> ComposeResult:
        pairs, actions, groups = [], set(), set()
        for _, binding, _, _ in self.screen.active_bindings.values():  # as the footer lists them: one per action
            if binding.show and binding.action not in actions:
                actions.add(binding.action)
                if binding.group is None:
                    pairs.append((self.app.get_key_display(binding), binding.description))
                    continue
                pairs.append((self.app.get_key_display(binding), ""))  # a group shows its keys, then its name
                if binding.group.description not in groups:
                    groups.add(binding.group.description)
                    pairs.append(("", binding.group.description))
        spares = frozenset(
            binding.description
            for _, binding, _, _ in self.screen.active_bindings.values()
            if binding.action in getattr(self.screen, "FOOTER_SPARES", ())
        )
        texts = fitted(pairs, self.app.size.width, spares)
        renamed = {old: new for (_, old), new in zip(pairs, texts, strict=True) if old != new}
        # Each widget is handed on as it comes: the keys of a group are composed inside their group.
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.description in renamed and renamed[widget.description] is None:
                continue
            if isinstance(widget, FooterKey) and widget.description in renamed:
                widget.tooltip = widget.tooltip or widget.description
                widget.description = renamed[widget.description] or ""
            yield widget

    def on_resize(self) -> None:
        self.call_after_refresh(self.recompose)
