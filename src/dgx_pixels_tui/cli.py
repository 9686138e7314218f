"""The `dgx-pixels` command line: parses arguments and hands each subcommand to its module.

Handlers are named "module:function" under `dgx_pixels_tui.commands` and imported only when chosen, so the
TUI starts without loading what the other commands need.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from dgx_pixels_worker.daemon_arguments import add_worker_arguments

from . import __version__
from .exit_codes import EXIT_FAILED, EXIT_USAGE, CommandError, report
from .training_arguments import add_parser as add_training_parser


class Parser(argparse.ArgumentParser):
    """argparse's parser, whose errors also come out as JSON on stdout when the command line asks for --json."""

    json_errors = False

    def error(self, message: str) -> NoReturn:
        if Parser.json_errors:  # the usage and the message still go to stderr, below
            error = {"code": "usage", "message": f"{self.prog}: {message}", "details": {}}
            print(json.dumps({"error": error, "exit": EXIT_USAGE}), flush=True)
        super().error(message)


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} seconds: give a number above 0, e.g. 10")
    return value


def at_least(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than `low` (and no larger than `high`)."""

    def whole(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is too small: give {low} or more")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"{value} is too large: give {high} or less")
        return value

    return whole


def _client_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("connection")
    group.add_argument(
        "--connect",
        metavar="ADDR",
        help="worker command address (default: $DGX_PIXELS_CONNECT, [client] connect, else this machine's worker)",
    )
    group.add_argument(
        "--events",
        metavar="ADDR",
        help="worker event address, e.g. the local end of a tunnel (default: $DGX_PIXELS_EVENTS, [client] events, "
        "else derived from --connect)",
    )
    group.add_argument("--no-spawn", action="store_true", help="never start a local worker")
    group.add_argument("--config", metavar="FILE", help="configuration file instead of the user's")
    group.add_argument("--timeout", type=positive_seconds, metavar="S", help="seconds to wait for each reply")
    return common


def build_parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = Parser(
        prog="dgx-pixels",
        description="Pixel-art sprites from the terminal. With no command: the full-screen TUI.",
    )
    parser.add_argument("--version", action="version", version=f"dgx-pixels {__version__}")
    common = _client_options()
    json_flag = argparse.ArgumentParser(add_help=False)
    json_flag.add_argument("--json", action="store_true", help="print JSON for scripts")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("worker", help="run the worker daemon in the foreground, or `worker stop`")
    p.add_argument("action", nargs="?", choices=["run", "stop"], default="run")
    add_worker_arguments(p)
    p.add_argument("--connect", metavar="ADDR", help="with `stop`: the worker to stop")
    p.add_argument("--timeout", type=positive_seconds, metavar="S")
    p.add_argument("--json", action="store_true", help="with `stop`: print JSON for scripts")
    p.set_defaults(handler="worker:main")

    p = sub.add_parser("generate", parents=[common, json_flag], help="queue a generation and save the PNGs")
    p.add_argument(
        "prompt",
        nargs="?",
        default="",
        help="what to draw, e.g. 'red knight with a sword' (with --vary of a gallery image: its own by default)",
    )
    p.add_argument("--negative", default="", metavar="TEXT", help="what to avoid")
    p.add_argument("--model", metavar="M", help="model preset (see `dgx-pixels models`)")
    p.add_argument("--count", type=int, default=1, metavar="N", help="images to make (seeds S, S+1, ...)")
    p.add_argument("--seed", type=int, metavar="S", help="seed (random when absent)")
    p.add_argument("--size", metavar="WxH", help="image size, e.g. 64x64")
    p.add_argument("--steps", type=int, metavar="N")
    p.add_argument("--cfg", type=float, metavar="F")
    p.add_argument("--priority", type=int, default=0, metavar="P", help="higher runs sooner (-100..100)")
    p.add_argument("--tags", default="", metavar="T1,T2", help="comma-separated tags")
    p.add_argument(
        "--post",
        metavar="STEPS",
        help="post-processing, e.g. 'grid,palette:pico8,background' or 'none' "
        "(default: the model's own; see docs/pixelart.md)",
    )
    p.add_argument(
        "--palette",
        metavar="P",
        help="lock the images to a palette: a name (`dgx-pixels palettes`) or a palette file here; "
        "'none' drops the project palette ([project] palette)",
    )
    p.add_argument("--frames", type=int, default=1, metavar="N", help="an animation of N frames (2..16)")
    p.add_argument("--motion", metavar="M", help="the animation's motion: idle, walk, run, attack, jump, hurt")
    p.add_argument("--tile", action="store_true", help="a seamless tile (its edges continue into each other)")
    p.add_argument("--vary", metavar="IMAGE", help="make variations of a gallery image (its id) or an image file here")
    p.add_argument("--strength", type=float, metavar="F", help="how far variations move from --vary (0..1, 0.5)")
    p.add_argument("--out", default=".", metavar="DIR", help="where to write the PNGs (default: here)")
    p.add_argument("--no-wait", action="store_true", help="queue and print the job id without waiting")
    p.set_defaults(handler="generate:main")

    p = sub.add_parser("tui", parents=[common], help="the full-screen app (what `dgx-pixels` alone opens)")
    p.add_argument("--preview", choices=["auto", "sixel", "kitty", "halfblock"], help="how images are drawn")
    p.set_defaults(handler="tui:main")

    p = sub.add_parser("demo", parents=[common, json_flag], help="generate a few sample sprites into ./out")
    p.add_argument("--out", default="out", metavar="DIR")
    p.set_defaults(handler="generate:demo")

    p = sub.add_parser("queue", parents=[common, json_flag], help="show the queue (--watch keeps it live)")
    p.add_argument("--watch", action="store_true", help="keep updating until Ctrl-C")
    p.add_argument("--limit", type=at_least(1), default=50, help="at most this many jobs")
    p.set_defaults(handler="queue:main")

    p = sub.add_parser("status", parents=[common, json_flag], help="worker health, backends and throughput")
    p.set_defaults(handler="status:status")

    p = sub.add_parser("models", parents=[common, json_flag], help="list models and whether they are usable")
    p.set_defaults(handler="models:models")

    p = sub.add_parser("images", parents=[common, json_flag], help="gallery images with their quality figures")
    p.add_argument(
        "images", nargs="*", metavar="IMAGE", help="image ids (JOB-N), jobs or comparisons (default: newest)"
    )
    p.add_argument("--find", nargs="+", metavar="WORD", help="only images whose prompt has these words")
    p.add_argument("--model", metavar="M", help="only images of this model")
    p.add_argument("--tag", metavar="T", help="only images with this tag")
    p.add_argument(
        "--limit", type=at_least(1, 500), default=20, metavar="N", help="at most this many, newest first (default 20)"
    )
    p.set_defaults(handler="images:images")

    p = sub.add_parser("palettes", parents=[common, json_flag], help="the worker's palettes; import FILE adds one")
    p.set_defaults(handler="palettes:list_palettes")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    q = actions.add_parser("import", help="copy a .gpl/.hex/.pal/.txt/.png palette into your palette folder")
    # SUPPRESS: `palettes --json import FILE` keeps the --json given before the action
    q.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON for scripts")
    q.add_argument("file", help="the palette file")
    q.add_argument("--name", help="the name to use it by (default: the file's name without its suffix)")
    q.add_argument("--force", action="store_true", help="replace a palette of that name")
    q.set_defaults(handler="palettes:import_palette")

    p = sub.add_parser("cancel", parents=[common, json_flag], help="cancel a queued or running job")
    p.add_argument("job", help="job id, or its start when no other job's id starts so")
    p.set_defaults(handler="jobs:cancel")

    p = sub.add_parser("retry", parents=[common, json_flag], help="queue a finished job again with the same parameters")
    p.add_argument("job", help="job id, or its start when no other job's id starts so")
    p.set_defaults(handler="jobs:retry")

    p = sub.add_parser("compare", parents=[common, json_flag], help="one prompt through 2-4 models, side by side")
    p.add_argument("prompt", help="what to draw")
    p.add_argument("--models", required=True, metavar="A,B[,C,D]", help="2-4 model presets (see `dgx-pixels models`)")
    p.add_argument("--seed", type=int, metavar="S", help="one seed for every model (random when absent)")
    p.add_argument("--tags", default="", metavar="T1,T2", help="comma-separated tags, kept with the votes")
    p.add_argument("--negative", default="", metavar="TEXT", help="what to avoid")
    p.add_argument("--size", metavar="WxH", help="image size (default: each model's own)")
    p.add_argument("--steps", type=int, metavar="N")
    p.add_argument("--cfg", type=float, metavar="F")
    p.add_argument("--post", metavar="STEPS", help="post-processing for every model (default: each model's own)")
    p.add_argument("--no-cache", action="store_true", help="generate again even when the same image exists")
    p.add_argument(
        "--palette", metavar="P", help="lock every panel to a palette (a name or a file here; 'none': no lock)"
    )
    p.add_argument("--out", default=".", metavar="DIR", help="where to write the PNGs (default: here)")
    p.add_argument("--reveal", action="store_true", help="name each panel's model (blind until you vote otherwise)")
    p.set_defaults(handler="arena:compare")

    p = sub.add_parser(
        "vote", parents=[common, json_flag], help="vote on a comparison: a panel (1-4), tie, bad or skip"
    )
    p.add_argument("comparison", help="comparison id, as `compare` printed it")
    p.add_argument("choice", help="the winning panel 1-4, or tie, bad (both bad) or skip")
    p.set_defaults(handler="arena:vote")

    p = sub.add_parser("votes", parents=[common, json_flag], help="`votes export`: every vote as CSV or JSON lines")
    p.add_argument("action", choices=["export"])
    p.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    p.set_defaults(handler="arena:votes_export")

    p = sub.add_parser("leaderboard", parents=[common, json_flag], help="model scores from the votes (Bradley-Terry)")
    p.add_argument("--tag", metavar="T", help="only votes on comparisons with this tag")
    p.add_argument(
        "--rounds", type=at_least(0, 2000), default=200, metavar="N", help="bootstrap rounds for the 95%% intervals"
    )
    p.set_defaults(handler="arena:leaderboard")

    add_training_parser(sub, common, json_flag)

    frames = argparse.ArgumentParser(add_help=False)
    frames.add_argument(
        "images", nargs="+", metavar="IMAGE", help="image ids (JOB-N), jobs (all their images) or comparisons"
    )
    frames.add_argument("--raw", action="store_true", help="the renders before post-processing")
    frames.add_argument(
        "--columns", type=at_least(1), metavar="N", help="sheet columns (default: about the square root)"
    )
    frames.add_argument("--padding", type=at_least(0), default=0, metavar="PX", help="pixels between sheet cells")
    frames.add_argument("--force", action="store_true", help="overwrite files instead of adding -1, -2, ...")

    p = sub.add_parser("export", parents=[common, frames, json_flag], help="copy images into a Bevy project's assets")
    p.add_argument("--bevy", metavar="PATH", help="the Bevy project's root (where Cargo.toml is)")
    p.add_argument("--category", default="misc", metavar="C", help="folder under assets/sprites (default misc)")
    p.add_argument("--sheet", action="store_true", help="export the images as one sprite sheet with its grid layout")
    p.add_argument("--name", metavar="NAME", help="file name for a single image or the sheet")
    p.add_argument("--strict", action="store_true", help="refuse images that fail a quality check ([lint] thresholds)")
    p.set_defaults(handler="export:export")

    p = sub.add_parser(
        "sheet", parents=[common, frames, json_flag], help="several images as one sprite sheet with a JSON atlas"
    )
    p.add_argument("--out", required=True, metavar="FILE.png", help="the sheet; its atlas goes beside it as FILE.json")
    p.add_argument("--animate", metavar="FILE.gif|FILE.apng", help="also an animated preview of the frames")
    p.add_argument("--frame-ms", type=at_least(1), default=120, metavar="MS", help="animation frame time (default 120)")
    p.add_argument(
        "--scale", type=at_least(1), default=4, metavar="N", help="animation upscale, nearest neighbour (default 4)"
    )
    p.set_defaults(handler="sheet:sheet")

    p = sub.add_parser(
        "build",
        parents=[common, json_flag],
        help="make a game's assets from its manifest (assets.toml or a prompt file)",
    )
    p.add_argument("assets", nargs="*", metavar="ASSET", help="only these assets (default: all)")
    p.add_argument(
        "-f",
        "--file",
        default="assets.toml",
        metavar="FILE",
        help="the manifest, or a prompt file (default: assets.toml)",
    )
    p.add_argument("--bevy", metavar="PATH", help="the Bevy project's root (default: the manifest's [project] bevy)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--check", action="store_true", help="exit 1 if an output is missing or stale; make nothing")
    what.add_argument("--dry-run", action="store_true", help="list what would be made, and why; make nothing")
    what.add_argument(
        "--keep-edits", action="store_true", help="record files edited by hand since they were built; make nothing"
    )
    p.add_argument("--force", action="store_true", help="make the assets again even when up to date or edited")
    p.set_defaults(handler="build:main")

    p = sub.add_parser("mcp", parents=[common], help="an MCP server on stdio, for coding assistants (docs/mcp.md)")
    p.set_defaults(handler="mcp:main")

    p = sub.add_parser("access", help="your key, and who may use your worker: key, grant, list, revoke")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    config = argparse.ArgumentParser(add_help=False)
    config.add_argument("--config", metavar="FILE", help="configuration file instead of the user's")
    q = actions.add_parser(
        "key", parents=[config, json_flag], help="print this client's public key (made on first use)"
    )
    q.set_defaults(handler="access:key")
    q = actions.add_parser("grant", parents=[config, json_flag], help="let a teammate's key use your worker")
    q.add_argument("name", nargs="?", help="who it is, e.g. alice (a name may hold several keys)")
    q.add_argument("keyfile", help="their client.key (or '-' to read it from standard input)")
    q.add_argument("--admin", action="store_true", help="also let them stop the worker and change anyone's jobs")
    q.add_argument("--self", dest="self_", action="store_true", help="another device of yours: your name, admin")
    q.add_argument("--start", action="store_true", help="start the worker here if none runs")
    q.set_defaults(handler="access:grant")
    q = actions.add_parser("list", parents=[config, json_flag], help="who may use your worker")
    q.set_defaults(handler="access:list_grants")
    q = actions.add_parser("revoke", parents=[config, json_flag], help="take a person's access away (all their keys)")
    q.add_argument("name")
    q.set_defaults(handler="access:revoke")

    p = sub.add_parser("tunnel", help="your worker on another machine, through SSH, in one step")
    p.add_argument("host", help="where the worker runs, as you would give it to ssh (user@gpu-box)")
    p.add_argument("run", nargs=argparse.REMAINDER, metavar="COMMAND", help="a command to run instead of the TUI")
    p.add_argument("--local-port", type=int, default=0, metavar="N", help="forward N and N+1 (default: two free ports)")
    p.add_argument("--remote-command", default="dgx-pixels", metavar="CMD", help="dgx-pixels on the remote machine")
    p.add_argument("--config", metavar="FILE", help="configuration file instead of the user's")
    p.set_defaults(handler="tunnel:main")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = with_default_command(list(sys.argv[1:] if argv is None else argv))
    Parser.json_errors = "--json" in arguments
    args = build_parser().parse_args(arguments)
    try:
        return int(handler(args.handler)(args) or 0)
    except CommandError as exc:
        return report(exc, bool(getattr(args, "json", False)))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # writing the user's files: a full disk, a folder removed meanwhile
        where = f"cannot write {exc.filename}: " if exc.filename else ""
        failure = CommandError(f"{where}{exc.strerror or exc}", "os_error", {"errno": exc.errno}, exit=EXIT_FAILED)
        return report(failure, bool(getattr(args, "json", False)))


def with_default_command(argv: list[str]) -> list[str]:
    """No command, or only options (`dgx-pixels --connect ADDR`), means the TUI."""
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        return ["tui", *argv]
    return argv


def handler(name: str) -> Callable[[argparse.Namespace], int | None]:
    module, function = name.split(":")
    return getattr(importlib.import_module(f"{__package__}.commands.{module}"), function)


if __name__ == "__main__":
    sys.exit(main())
