"""Every `dgx-pixels` subcommand names a handler ("module:function" under dgx_pixels_tui.commands) that exists."""

import argparse

from dgx_pixels_tui.cli import build_parser, handler


def subcommands(parser=None, prefix=""):
    """Every command, nested ones (`access grant`) included, with the handler it names."""
    parser = parser or build_parser()
    (choices,) = [action.choices for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    found = {}
    for name, sub in choices.items():
        if sub.get_default("handler") is None:
            found.update(subcommands(sub, f"{prefix}{name} "))
        else:
            found[f"{prefix}{name}"] = sub.get_default("handler")
    return found


def test_every_subcommand_has_a_handler_in_its_module():
    commands = subcommands()
    assert {"generate", "status", "models", "cancel", "retry", "export", "sheet", "compare", "vote"} <= set(commands)
    assert {"access key", "access grant", "access list", "access revoke", "tunnel"} <= set(commands)
    for name, target in commands.items():
        module, function = target.split(":")
        found = handler(target)
        assert callable(found), name
        assert found.__module__ == f"dgx_pixels_tui.commands.{module}" and found.__name__ == function, name
