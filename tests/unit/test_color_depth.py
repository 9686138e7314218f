"""The colour depth the app draws with: chosen from the setting, the environment and the terminal's answer."""

from __future__ import annotations

import argparse

import pytest
import textual.constants

from dgx_pixels_tui.previews.colors import COLOUR_PROBE, choose_colors, use_color_system
from dgx_pixels_tui.previews.detect import DA1_REQUEST, choose_terminal

XTERM_KEPT = b"\x1bP1$r0;48:2::1:2:3m\x1b\\\x1b[?64;1;2;6;9;15;16;17;18;21;22;28c"  # xterm 379, recorded
XTERM_MAPPED = b"\x1bP1$r0;48:5:16m\x1b\\\x1b[?64;1;2;6;22c"  # a build without direct colour: a palette index
NO_DECRQSS = b"\x1b[?1;2c"  # answers device attributes only
KITTY_KEPT = b"\x1bP1$r48:2:1:2:3m\x1b\\\x1b[?62;c"


@pytest.mark.parametrize(
    ("env", "answer", "system"),
    [
        ({"TERM": "xterm"}, b"", "standard"),  # what Textual alone picks in plain xterm
        ({"TERM": "xterm"}, XTERM_KEPT, "truecolor"),  # ... which shows 24-bit colour when asked
        ({"TERM": "xterm"}, XTERM_MAPPED, "standard"),
        ({"TERM": "xterm"}, NO_DECRQSS, "standard"),
        ({"TERM": "xterm-256color"}, b"", "256"),
        ({"TERM": "xterm-256color"}, XTERM_KEPT, "truecolor"),
        ({"TERM": "xterm", "COLORTERM": "truecolor"}, b"", "truecolor"),
        ({"TERM": "xterm-256color", "COLORTERM": "24bit"}, b"", "truecolor"),
        ({"TERM": "xterm", "COLORTERM": "rxvt-xpm"}, b"", "standard"),
        ({"TERM": "xterm-kitty"}, b"", "truecolor"),
        ({"TERM": "xterm-kitty"}, KITTY_KEPT, "truecolor"),
        ({"TERM": "xterm-direct"}, b"", "truecolor"),
        ({"TERM": "tmux-256color", "TMUX": "/tmp/tmux-0/default,1,0"}, b"", "256"),
        ({"TERM": "screen"}, b"", "standard"),
        ({}, b"", "standard"),
        ({"TERM": "xterm", "COLORTERM": "truecolor", "TEXTUAL_COLOR_SYSTEM": "256"}, b"", "256"),
        ({"TERM": "xterm", "TEXTUAL_COLOR_SYSTEM": "truecolor"}, b"", "truecolor"),
        ({"TERM": "xterm", "TEXTUAL_COLOR_SYSTEM": "auto"}, XTERM_KEPT, "truecolor"),
    ],
)
def test_colour_depth_for_term_and_colorterm(env, answer, system):
    assert choose_colors("auto", env, answer).system == system


@pytest.mark.parametrize(("setting", "system"), [("truecolor", "truecolor"), ("256", "256"), ("16", "standard")])
def test_setting_wins_over_everything(setting, system):
    env = {"TERM": "xterm", "COLORTERM": "truecolor", "TEXTUAL_COLOR_SYSTEM": "truecolor"}
    chosen = choose_colors(f" {setting.upper()} ", env, XTERM_KEPT)
    assert chosen.system == system and setting in chosen.reason


def test_bad_setting_names_the_choices():
    with pytest.raises(ValueError, match=r"\[tui\] colors must be one of auto, truecolor, 256, 16, not '24'"):
        choose_colors("24", {})


class Terminal:
    """A terminal that records what it is sent and gives one answer."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.sent: list[bytes] = []

    def __call__(self, request: bytes, timeout: float) -> bytes:
        self.sent.append(request)
        return self.answer


def test_plain_xterm_is_asked_once_for_both_sixel_and_colour():
    terminal = Terminal(b"\x1bP1$r0;48:2::1:2:3m\x1b\\\x1b[?63;1;2;4;6;9;15;16;22;28c")  # xterm -ti vt340
    mode, colours = choose_terminal("auto", "auto", {"TERM": "xterm"}, terminal)
    assert (mode.mode, colours.system) == ("sixel", "truecolor")
    assert terminal.sent == [COLOUR_PROBE + DA1_REQUEST]


def test_colour_probe_is_sent_even_when_the_preview_mode_is_forced():
    terminal = Terminal(XTERM_KEPT)
    mode, colours = choose_terminal("halfblock", "auto", {"TERM": "xterm"}, terminal)
    assert (mode.mode, colours.system) == ("halfblock", "truecolor")
    assert terminal.sent == [COLOUR_PROBE + DA1_REQUEST]


@pytest.mark.parametrize(
    ("colors", "env"),
    [
        ("auto", {"TERM": "xterm", "COLORTERM": "truecolor"}),
        ("256", {"TERM": "xterm"}),
        ("auto", {"TERM": "xterm", "TEXTUAL_COLOR_SYSTEM": "standard"}),
    ],
)
def test_no_colour_probe_when_the_depth_is_already_settled(colors, env):
    terminal = Terminal(XTERM_KEPT)
    choose_terminal("auto", colors, env, terminal)
    assert terminal.sent == [DA1_REQUEST]


def test_nothing_is_sent_inside_tmux_or_kitty_with_settled_colours():
    for env in ({"TERM": "tmux-256color", "TMUX": "x"}, {"TERM": "xterm-kitty", "COLORTERM": "truecolor"}):
        terminal = Terminal(XTERM_KEPT)
        choose_terminal("auto", "auto", env, terminal)
        assert terminal.sent == []


def test_a_silent_terminal_leaves_plain_xterm_at_16_colours():
    mode, colours = choose_terminal("auto", "auto", {"TERM": "xterm"}, Terminal(b""))
    assert (mode.mode, colours.system) == ("halfblock", "standard") and "COLORTERM" in colours.reason


def test_tui_command_hands_the_depth_to_textual(monkeypatch, tmp_path):
    """`dgx-pixels` in plain xterm: the app's console draws 24-bit, or what `[tui] colors` says."""
    from dgx_pixels_tui.app import PixelsApp
    from dgx_pixels_tui.commands import tui

    monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", textual.constants.COLOR_SYSTEM)  # restored afterwards
    for name in ("COLORTERM", "TEXTUAL_COLOR_SYSTEM", "TMUX", "KITTY_WINDOW_ID", "DGX_PIXELS_TUI__COLORS"):
        monkeypatch.setenv(name, "")  # so that what the command sets is undone afterwards
        monkeypatch.delenv(name)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr("dgx_pixels_tui.previews.detect.query_tty", Terminal(XTERM_KEPT))
    seen: list[str | None] = []
    monkeypatch.setattr(PixelsApp, "run", lambda app: seen.append(app.console.color_system))
    config = tmp_path / "config.toml"
    config.write_text("")
    args = argparse.Namespace(preview=None, config=str(config))
    assert tui.main(args) == 0
    config.write_text('[tui]\ncolors = "256"\n')
    monkeypatch.delenv("TEXTUAL_COLOR_SYSTEM")
    assert tui.main(args) == 0
    assert seen == ["truecolor", "256"]


def test_tui_command_refuses_a_bad_colour_setting(monkeypatch, tmp_path, capsys):
    from dgx_pixels_tui.commands import tui

    monkeypatch.setattr("dgx_pixels_tui.previews.detect.query_tty", Terminal(b""))
    monkeypatch.setenv("TEXTUAL_COLOR_SYSTEM", "auto")
    config = tmp_path / "config.toml"
    config.write_text('[tui]\ncolors = "millions"\n')
    assert tui.main(argparse.Namespace(preview=None, config=str(config))) == 2
    assert "[tui] colors must be one of auto, truecolor, 256, 16, not 'millions'" in capsys.readouterr().err


def test_use_color_system_reaches_textual_even_once_loaded(monkeypatch):
    monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "auto")
    environ: dict[str, str] = {}
    use_color_system("truecolor", environ)
    assert environ == {"TEXTUAL_COLOR_SYSTEM": "truecolor"} and textual.constants.COLOR_SYSTEM == "truecolor"
