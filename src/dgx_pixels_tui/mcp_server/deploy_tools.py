"""The tool that puts images into a game: deploy_to_bevy, the same files and manifest as `dgx-pixels export
--bevy`, written all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from ..bevy_export import MANIFEST_NAME, SPRITES_DIR, BevyExportError, ExportItem, check_target, export_to_bevy
from ..commands.export import export_items, fetch_images
from .results import ToolFailure, answer, guarded
from .worker_access import WorkerAccess


def shown(path: Path, project: Path) -> str:
    return str(path.relative_to(project)) if path.is_relative_to(project) else str(path)


def checked_project(bevy_project: str, category: str) -> Path:
    project = Path(bevy_project).expanduser()
    try:
        check_target(project, category)
    except BevyExportError as exc:
        raise ToolFailure(str(exc)) from None
    return project


def write(project: Path, category: str, items: list[ExportItem], force: bool) -> str:
    """Export on the event loop's thread, where SIGTERM still undoes a half-done export; the files are small."""
    try:
        written = export_to_bevy(project, category, items, force=force)
    except BevyExportError as exc:
        raise ToolFailure(str(exc)) from None
    root = project.resolve()
    files = [shown(path, root) for path in written]
    pngs = [f for f in files if f.endswith(".png") and f.startswith(str(SPRITES_DIR))]
    lines = [f"wrote {len(files)} file(s) into {root}:", *files]
    if pngs:
        lines.append(f'load in Bevy: asset_server.load("{Path(pngs[0]).relative_to("assets")}")')
    lines.append(f"{SPRITES_DIR / MANIFEST_NAME} says where each came from")
    return "\n".join(lines)


def register(server: MCPServer[Any], worker: WorkerAccess) -> None:
    @server.tool(
        annotations=ToolAnnotations(
            title="Deploy sprites into a Bevy project",
            destructive_hint=False,
            idempotent_hint=True,
            open_world_hint=False,
        )
    )
    @guarded
    async def deploy_to_bevy(
        image: Annotated[
            str,
            Field(
                min_length=1,
                max_length=80,
                description="What to deploy: an image id (JOB-N), a job id (all its images) or a comparison id "
                "(its panels).",
            ),
        ],
        bevy_project: Annotated[
            str,
            Field(
                min_length=1,
                description="The Bevy project's root folder, where its Cargo.toml is; an absolute path is safest "
                "(a relative one is taken from the MCP server's working folder).",
            ),
        ],
        category: Annotated[
            str,
            Field(
                max_length=200,
                description="Folder under assets/sprites, e.g. 'characters' or 'items/potions' (default 'misc').",
            ),
        ] = "misc",
        name: Annotated[
            str | None,
            Field(
                max_length=64,
                description="File name (without .png) for a single image or the sheet; default: from the prompt "
                "and seed.",
            ),
        ] = None,
        sheet: Annotated[
            bool, Field(description="Put all the images into one sprite sheet with its grid layout (.layout.json).")
        ] = False,
        force: Annotated[
            bool, Field(description="Overwrite files of the same name instead of adding -1, -2, ...")
        ] = False,
    ) -> CallToolResult:
        """Copy generated sprites into a Bevy project: PNGs under assets/sprites/<category>/, with
        assets/sprites/manifest.json recording where each came from (prompt, model, seed); an animation also gets
        its layout for TextureAtlasLayout, a GIF and an APNG; a sheet gets its grid layout. Nothing is overwritten
        unless force is given, and a failed deploy leaves the project as it was. Load a sprite in Bevy with
        asset_server.load("sprites/<category>/<file>.png")."""
        project = checked_project(bevy_project, category)  # before asking the worker: a wrong folder is said at once
        client = await worker.client()
        items = export_items(await fetch_images(client, [image.strip()]), name, sheet)
        return answer(write(project, category, items, force))
