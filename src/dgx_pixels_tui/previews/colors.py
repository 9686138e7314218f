"""How many colours the app draws with: 24-bit, 256 or 16, decided once at start-up.

Textual (through Rich) guesses from the environment alone: 24-bit only with COLORTERM=truecolor|24bit, 256 for
a TERM ending in 256color, 16 otherwise. Plain xterm sets TERM=xterm and no COLORTERM, although it shows
24-bit colour, so the app's previews came out in 16 colours there. Order here: `[tui] colors` when not "auto";
TEXTUAL_COLOR_SYSTEM; COLORTERM; the terminal's own answer (it is asked to set a 24-bit colour and to report
it back with DECRQSS, in the same round trip as the preview query); a TERM that names direct colour; a TERM
ending in 256color; else 16 colours.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass

COLOR_CHOICES: tuple[str, ...] = ("auto", "truecolor", "256", "16")
RICH_NAMES = {"truecolor": "truecolor", "256": "256", "16": "standard", "standard": "standard"}
"""Our names (and TEXTUAL_COLOR_SYSTEM's) to Rich's, which Textual uses."""

# Set a background of RGB 1,2,3, ask for the current SGR (DECRQSS "m"), then reset. A terminal that keeps 24-bit
# colour reports it back (xterm: 48:2::1:2:3, kitty: 48:2:1:2:3); one that maps it to its palette reports the
# palette index (48:5:N), and one without DECRQSS says nothing. Sent just before the device attributes query,
# whose answer every terminal gives and which so ends the wait.
COLOUR_PROBE = b"\x1b[0m\x1b[48;2;1;2;3m\x1bP$qm\x1b\\\x1b[0m"
_KEPT_24_BIT = re.compile(rb"\x1bP1\$r[0-9:;]*48[:;]2[:;]{1,2}1[:;]2[:;]3[0-9:;]*m")


@dataclass(frozen=True)
class DetectedColors:
    system: str  # Rich's name: truecolor, 256 or standard
    reason: str


def check_choice(setting: str) -> str:
    choice = setting.strip().lower()
    if choice not in COLOR_CHOICES:
        raise ValueError(f"[tui] colors must be one of {', '.join(COLOR_CHOICES)}, not {setting!r}")
    return choice


def forced_by_environment(env: Mapping[str, str]) -> DetectedColors | None:
    """What TEXTUAL_COLOR_SYSTEM or COLORTERM settle without asking the terminal, or None."""
    forced = env.get("TEXTUAL_COLOR_SYSTEM", "").strip().lower()
    if forced in RICH_NAMES:
        return DetectedColors(RICH_NAMES[forced], f"TEXTUAL_COLOR_SYSTEM={forced}")
    colorterm = env.get("COLORTERM", "").strip().lower()
    if colorterm in ("truecolor", "24bit"):
        return DetectedColors("truecolor", f"COLORTERM={colorterm}")
    return None


def probe_wanted(setting: str, env: Mapping[str, str]) -> bool:
    """Whether the terminal has to be asked: "auto" and nothing in the environment settles it."""
    return check_choice(setting) == "auto" and forced_by_environment(env) is None


def kept_24_bit(answer: bytes) -> bool:
    """Whether a DECRQSS answer in `answer` reports the 24-bit colour COLOUR_PROBE set."""
    return _KEPT_24_BIT.search(answer) is not None


def choose_colors(setting: str = "auto", env: Mapping[str, str] | None = None, answer: bytes = b"") -> DetectedColors:
    """The colour mode for `[tui] colors = setting` (auto|truecolor|256|16; ValueError otherwise), with `answer`
    what the terminal said to COLOUR_PROBE (b"" when it was not asked)."""
    choice = check_choice(setting)
    if choice != "auto":
        return DetectedColors(RICH_NAMES[choice], f"[tui] colors = {choice}")
    env = os.environ if env is None else env
    settled = forced_by_environment(env)
    if settled is not None:
        return settled
    term = env.get("TERM", "")
    if kept_24_bit(answer):
        return DetectedColors("truecolor", "the terminal reported back a 24-bit colour")
    if term == "xterm-kitty" or term.endswith(("-direct", "-truecolor", "-24bit")):
        return DetectedColors("truecolor", f"TERM={term}")
    if term.endswith(("256color", "-256")):
        return DetectedColors("256", f"TERM={term}")
    return DetectedColors("standard", f"TERM={term or '(unset)'} without COLORTERM: 16 colours")


def use_color_system(system: str, environ: MutableMapping[str, str] | None = None) -> None:
    """Have Textual draw in `system` (truecolor, 256 or standard): TEXTUAL_COLOR_SYSTEM, which Textual reads
    when it loads, and its copy of it if it has loaded already."""
    (os.environ if environ is None else environ)["TEXTUAL_COLOR_SYSTEM"] = system
    constants = sys.modules.get("textual.constants")
    if constants is not None:
        constants.__dict__["COLOR_SYSTEM"] = system
