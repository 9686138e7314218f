"""The tool that builds a game's assets from its manifest: run_build, what `dgx-pixels build` does (docs/build.md),
with --check and --dry-run as modes."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field
from rich.console import Console

from ..build import runner
from ..build.landing import retire
from ..build.manifest import ManifestError
from ..build.plan import Plan, Status, plan_build
from ..commands.build import one_build
from .results import ToolFailure, answer, guarded
from .worker_access import WorkerAccess

DEFAULT_WAIT_S = 600.0


def plan_text(plan: Plan) -> list[str]:
    """What a dry run says: each asset to make or left alone and why, each to remove, and the counts."""
    lines = [d.text() for d in plan.decisions if d.status is not Status.UP_TO_DATE]
    lines += [f"{name}: no longer in the manifest; its files go" for name in plan.removed]
    return [*lines, plan.counts()]


def planned(manifest: str, bevy_project: str | None, assets: list[str] | None, force: bool) -> Plan:
    try:
        return plan_build(
            Path(manifest).expanduser(), Path(bevy_project).expanduser() if bevy_project else None, assets, force
        )
    except ManifestError as exc:
        raise ToolFailure(str(exc)) from None


def report_text(report: runner.BuildReport, project: Path, finished: bool) -> list[str]:
    lines = []
    for name, paths in report.made.items():
        files = [str(path.relative_to(project)) for path in paths if path.name != "manifest.json"]
        lines.append(f"made {name}: {', '.join(files)}")
    lines += [f"FAILED {name}: {why}" for name, why in report.failed.items()]
    if report.taken_up:
        lines.append(f"taken up from an earlier build: {', '.join(report.taken_up)}")
    if not finished:
        lines.append(
            "still building: the jobs left keep running on the worker; call run_build again to land them "
            "(nothing is queued twice)"
        )
    return lines


def register(server: MCPServer[Any], worker: WorkerAccess) -> None:
    @server.tool(
        annotations=ToolAnnotations(
            title="Build a game's assets from its manifest",
            destructive_hint=False,
            idempotent_hint=True,
            open_world_hint=False,
        )
    )
    @guarded
    async def run_build(
        manifest: Annotated[
            str,
            Field(
                min_length=1,
                description="The game's asset manifest (assets.toml, see docs/build.md) or a plain prompt file, "
                "one prompt a line; an absolute path is safest.",
            ),
        ],
        mode: Annotated[
            Literal["build", "check", "dry_run"],
            Field(
                description="'build' makes what is missing or stale; 'check' only says whether everything is up "
                "to date; 'dry_run' lists what would be made and why."
            ),
        ] = "build",
        assets: Annotated[
            list[str] | None, Field(max_length=256, description="Only these assets, by name (default: all).")
        ] = None,
        bevy_project: Annotated[
            str | None,
            Field(description="The Bevy project's root; default: the manifest's [project] bevy, else its folder."),
        ] = None,
        force: Annotated[
            bool, Field(description="Make the assets again even when up to date, or edited by hand since.")
        ] = False,
        wait_s: Annotated[
            float, Field(ge=1, le=1800, description="Seconds to wait for the build before answering (default 600).")
        ] = DEFAULT_WAIT_S,
    ) -> CallToolResult:
        """Make a game's sprites from its asset manifest, as `dgx-pixels build` does: only the assets that are
        missing or whose inputs changed are generated, through the worker's queue; their files land in the Bevy
        project's assets/sprites (with the layouts and manifest deploy_to_bevy writes) and the lock file beside
        the manifest records what each was made from. Files edited by hand are left alone. Use mode='check' to
        know whether anything is stale, mode='dry_run' to see what a build would make."""
        plan = await anyio.to_thread.run_sync(planned, manifest, bevy_project, assets, force)
        if mode == "dry_run":
            return answer("\n".join(plan_text(plan)))
        if mode == "check":
            stale = plan.stale()
            if not stale:
                return answer(f"all {plan.up_to_date} asset(s) up to date")
            lines = [f"{name}: {why}" for name, why in stale.items()]
            return answer("\n".join([*lines, f"{len(stale)} of {plan.total} missing or stale; run_build makes them"]))
        edited = [f"left alone: {d.text()}" for d in plan.edited]
        with one_build(plan.manifest):
            removed = [f"removed {name} (no longer in the manifest)" for name in plan.removed]
            for name in plan.removed:
                await anyio.to_thread.run_sync(retire, plan.manifest, name, plan.lock)
            if not plan.to_make:
                return answer("\n".join([f"nothing to do: {plan.up_to_date} asset(s) up to date", *removed, *edited]))
            client = await worker.client()
            quiet = Console(file=io.StringIO())  # stdout is the MCP transport: no progress bars
            report = runner.BuildReport()  # filled as assets land: a build still running at wait_s says what it made
            with anyio.move_on_after(wait_s) as waited:
                await runner.run_build(
                    client, plan.manifest, plan.to_make, plan.lock, quiet, force=force, report=report
                )
        lines = report_text(report, plan.manifest.bevy.resolve(), not waited.cancelled_caught) + removed + edited
        result = answer("\n".join(lines or ["nothing was made"]))
        result.is_error = bool(report.failed)
        return result
