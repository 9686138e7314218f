"""Every `dgx-pixels` subcommand names a handler ("module:function" under dgx_pixels_tui.commands) that exists."""

import argparse

from dgx_pixels_tui.cli import build_parser, handler


def subcommands():
    parser = build_parser()
    (choices,) = [action.choices for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    return {name: sub.get_default("handler") for name, sub in choices.items()}


def test_every_subcommand_has_a_handler_in_its_module():
    commands = subcommands()
    assert {"generate", "status", "models", "cancel", "retry", "export", "sheet", "compare", "vote"} <= set(commands)
    for name, target in commands.items():
        module, function = target.split(":")
        found = handler(target)
        assert callable(found), name
        assert found.__module__ == f"dgx_pixels_tui.commands.{module}" and found.__name__ == function, name
