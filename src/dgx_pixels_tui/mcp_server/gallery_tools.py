"""Tools that read what the worker has: list_models, search_gallery and get_image."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from dgx_pixels_worker.protocol import messages as m

from .results import DEFAULT_MAX_PX, MAX_IMAGES, THUMB_PX, answer, guarded, image_contents, png_content, when
from .tool_arguments import MaxPx
from .worker_access import WorkerAccess

MAX_RESULTS = 50
READ_ONLY = {"read_only_hint": True, "open_world_hint": False}
SHOWN_PARAMS = ("prompt", "negative", "model", "seed", "steps", "cfg", "palette", "tags", "init_image", "strength")


def model_line(model: m.ModelInfo, default: str | None) -> str:
    d = model.defaults
    line = f"{model.name}{' (default)' if model.name == default else ''}: "
    line += "available" if model.available else f"not available: {model.reason or 'no backend can run it'}"
    line += f"; {model.backend}" if model.backend else ""
    line += f"; defaults {d.get('width')}x{d.get('height')}"
    if d.get("steps"):
        line += f", {d.get('steps')} steps"
    if model.description:
        line += f"; {model.description}"
    return line


def image_line(image: m.ImageInfo) -> str:
    prompt = " ".join(str(image.params.get("prompt", "")).split())
    extra = f", {image.frames} frames" if image.frames > 1 else ""
    extra += ", tile" if image.tile else ""
    model = image.params.get("model", "?")
    return f"{image.id}: {image.width}x{image.height}{extra}, model {model}, {when(image.created_at)}: {prompt}"


def image_details(image: m.ImageInfo) -> list[str]:
    lines = [image_line(image), f"job {image.job_id}, image {image.index}, seed {image.seed}"]
    lines += [f"{key}: {image.params[key]}" for key in SHOWN_PARAMS if image.params.get(key) not in (None, "", [])]
    if image.motion:
        lines.append(f"motion: {image.motion} ({image.frames} frames, left to right)")
    if image.lint is not None:
        lint = image.lint
        lines.append(
            f"quality: {lint.colors} colours, {lint.orphans} stray pixels"
            + (f", seam {lint.seam:.2f} (<= 1 reads seamless)" if lint.seam is not None else "")
        )
    if warning := image.params.get("postprocess_warning"):
        lines.append(f"note: {warning}")
    return lines


def register(server: MCPServer[Any], worker: WorkerAccess) -> None:
    @server.tool(annotations=ToolAnnotations(title="List the model presets", **READ_ONLY))
    @guarded
    async def list_models() -> CallToolResult:
        """The model presets the worker offers: which can run now (or why not), their default size and steps, and
        which one generate_sprite uses when no model is named."""
        client = await worker.client()
        hello = await client.hello()  # asked again: a worker restarted since may have other models
        library = await client.model_library()
        lines = [model_line(model, hello.default_model) for model in library.models]
        lines.append(f"default model: {hello.default_model or 'none available'}")
        if hello.procedural_only:
            lines.append("only the procedural generator runs here (no ComfyUI server answers): quick, offline sprites")
        lines += [f"skipped at load: {problem}" for problem in library.problems]
        return answer("\n".join(lines))

    @server.tool(annotations=ToolAnnotations(title="Search the gallery", **READ_ONLY))
    @guarded
    async def search_gallery(
        query: Annotated[
            str,
            Field(max_length=200, description="Text the prompt contains, in any case (e.g. 'knight'); empty for all."),
        ] = "",
        model: Annotated[str | None, Field(description="Only images of this model preset.")] = None,
        tag: Annotated[str | None, Field(description="Only images with this tag.")] = None,
        limit: Annotated[int, Field(ge=1, le=MAX_RESULTS, description="Most images to list, newest first.")] = 20,
        thumbnails: Annotated[
            bool, Field(description=f"Also return the first {MAX_IMAGES} as small images ({THUMB_PX} px).")
        ] = False,
    ) -> CallToolResult:
        """Images the worker has made, newest first: id (JOB-N), size, model, when, and prompt.

        Pass an id to get_image to see one, or to deploy_to_bevy to put it in a game."""
        client = await worker.client()
        reply = await client.images(query.strip(), model=model or None, tag=tag or None, limit=limit)
        if not reply.images:
            return answer("no image matches; generate_sprite makes one")
        lines = [f"{len(reply.images)} of {reply.total} matching image(s), newest first:"]
        lines += [image_line(image) for image in reply.images]
        if not thumbnails:
            return answer("\n".join(lines))
        images, _ = await image_contents(client, [image.id for image in reply.images], THUMB_PX)
        if len(reply.images) > MAX_IMAGES:
            lines.append(f"thumbnails of the first {MAX_IMAGES}, in this order")
        return answer("\n".join(lines), images)

    @server.tool(annotations=ToolAnnotations(title="Get an image", **READ_ONLY))
    @guarded
    async def get_image(
        image_id: Annotated[str, Field(min_length=1, max_length=80, description="The image's id, JOB-N.")],
        max_px: MaxPx = DEFAULT_MAX_PX,
        raw: Annotated[
            bool, Field(description="The render as the model made it, before the pixel-art clean-up.")
        ] = False,
    ) -> CallToolResult:
        """One image as PNG with what it was made from: prompt, model, seed, size, frames, palette, and its
        quality figures."""
        client = await worker.client()
        reply = await client.image(image_id, max_px=max_px, raw=raw)
        images = [png_content(reply.png)] if reply.png is not None else []
        return answer("\n".join(image_details(reply.image)), images)
