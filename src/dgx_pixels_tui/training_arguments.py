"""The `train` command's arguments (start, list, show, evaluate). Kept apart from commands/training.py, which loads
the client library: the parser is built on every start, the TUI's too."""

from __future__ import annotations

import argparse
from typing import Any


def learning_rate(text: str) -> float:
    """An argparse type: a learning rate between 1e-7 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; e.g. 0.0002") from None
    if not 1e-7 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text}: give a learning rate from 1e-7 to 1, e.g. 0.0002")
    return value


def add_parser(sub: Any, common: argparse.ArgumentParser, json_flag: argparse.ArgumentParser) -> None:
    """`train` and its actions, on the command line's subparsers."""
    from .cli import at_least  # the module that calls this one

    p = sub.add_parser("train", help="train a LoRA through ComfyUI: start, list, show, evaluate")
    actions = p.add_subparsers(dest="action", required=True)
    q = actions.add_parser("start", parents=[common, json_flag], help="train a LoRA on a dataset, as preset NAME")
    q.add_argument("name", help="the new preset's name: lowercase letters, digits, '.', '_' and '-'")
    q.add_argument("--base", metavar="PRESET", help="the ComfyUI preset whose checkpoint to train on")
    q.add_argument(
        "--like",
        metavar="NAME",
        help="train again as trained preset NAME was: its base, dataset, captions and parameters (flags override)",
    )
    q.add_argument("--images", nargs="+", default=[], metavar="ID", help="gallery images to train on")
    q.add_argument("--query", metavar="TEXT", help="and the gallery images this finds, e.g. 'tag:knights'")
    q.add_argument("--winners", metavar="TAG", help="and the images that won your votes on comparisons tagged TAG")
    q.add_argument("--folder", metavar="DIR", help="and the PNG/JPEG/WebP/GIF files of this folder here (sent)")
    q.add_argument("--captions", metavar="FILE", help="captions: one 'image<TAB>caption' per line, overriding")
    q.add_argument("--steps", type=at_least(2, 100_000), metavar="N", help="training steps (worker default 400)")
    q.add_argument("--rank", type=at_least(1, 128), metavar="N", help="LoRA rank (worker default 16)")
    q.add_argument("--lr", type=learning_rate, metavar="X", help="learning rate (worker default 0.0002)")
    q.add_argument("--seed", type=at_least(0), metavar="N", help="seed (random when absent)")
    q.add_argument("--size", type=at_least(64, 2048), metavar="N", help="training images are N x N (64..2048)")
    q.add_argument("--priority", type=at_least(-100, 100), default=0, metavar="P", help="higher runs sooner")
    q.add_argument("--wait", action="store_true", help="follow the job until the preset is made")
    q.set_defaults(handler="training:start")

    q = actions.add_parser("list", parents=[common, json_flag], help="the presets trained here, and how they fare")
    q.set_defaults(handler="training:list_trained")

    q = actions.add_parser("show", parents=[common, json_flag], help="a trained preset's provenance and files")
    q.add_argument("name")
    q.add_argument("--loss-curve", metavar="FILE", help="write its loss curve (a PNG) here, from the worker")
    q.set_defaults(handler="training:show")

    q = actions.add_parser(
        "evaluate", parents=[common, json_flag], help="blind comparisons of a trained preset against its base"
    )
    q.add_argument("name")
    q.add_argument("--prompt", action="append", default=[], metavar="P", help="a prompt (again for more)")
    q.add_argument("--rounds", type=at_least(1, 32), default=8, metavar="N", help="comparisons without --prompt")
    q.add_argument("--seed", type=at_least(0), metavar="N", help="the first comparison's seed")
    q.add_argument("--wait", action="store_true", help="wait until every comparison is rendered")
    q.set_defaults(handler="training:evaluate")
