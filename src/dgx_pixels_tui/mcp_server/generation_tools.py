"""Tools that make sprites and follow them: generate_sprite and job_status."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.protocol import messages as m
from dgx_pixels_worker.protocol.assets import MAX_FRAMES, Motion

from ..commands.generate import locked
from ..link import generate_confirmed
from ..prompt_notes import unused_words_note
from ..terminal_format import step_text
from .following import follow_job
from .results import DEFAULT_MAX_PX, answer, failure, guarded, image_contents
from .styles import styled, styles_text
from .tool_arguments import MaxPx, Model, Palette, Prompt, Seed, Size, Tags, WaitS, plain_prompt, size_fields
from .worker_access import WorkerAccess, note

DEFAULT_TIMEOUT_S = 300.0
MAX_COUNT = 16


def job_lines(job: m.JobInfo) -> list[str]:
    """What an assistant needs of a job: its state and progress, what it makes, its images or its error."""
    state = job.state.value
    if job.state is m.JobState.RUNNING:
        state += f" {job.progress:.0%} ({step_text(job.image_index, job.count, job.step, job.total, job.stage)})"
    what = f"{job.count} image(s) of {job.width}x{job.height}, model {job.model}, seed {job.seed}"
    if job.count > 1:
        what += f" (then {job.seed + 1}, ...)"
    if job.frames > 1:
        what += f"; each an animation of {job.frames} frames ({job.motion or 'idle'}), left to right"
    if job.tile:
        what += "; seamless tiles"
    lines = [f"job {job.id}: {state}", f"prompt: {job.prompt}", what]
    if job.images:
        lines.append(f"images: {', '.join(job.images)}")
    if job.error is not None:
        lines.append(f"error: {job.error.message}")
    if note_text := unused_words_note(job.unused_words):
        lines.append(note_text)
    return lines


async def job_answer(
    client: AsyncClient, job: m.JobInfo, max_px: int, asked_for: bool, hint: str = ""
) -> CallToolResult:
    """A finished job with its images, one still under way with how to follow it; one that failed or was
    cancelled is an error result when `asked_for` (the call made it), and plain news otherwise."""
    lines = job_lines(job)
    if job.state is m.JobState.COMPLETED:
        images, more = await image_contents(client, job.images, max_px)
        lines += [more] if more else []
        lines.append(
            f"deploy_to_bevy with image={job.images[0] if len(job.images) == 1 else job.id} copies "
            f"{'it' if len(job.images) == 1 else 'them'} into a Bevy project."
        )
        lines += [hint] if hint else []
        return answer("\n".join(lines), images)
    if job.state in (m.JobState.FAILED, m.JobState.CANCELLED):
        text = "\n".join([*lines, "generate_sprite makes it again (another seed, model or prompt may help)"])
        return failure(text) if asked_for else answer(text)
    lines.append(f"not finished yet: job_status with job_id={job.id} (and wait_s) follows it")
    return answer("\n".join(lines))


def register(server: MCPServer[Any], worker: WorkerAccess) -> None:
    @server.tool(annotations=ToolAnnotations(title="Generate a pixel-art sprite", open_world_hint=False))
    @guarded
    async def generate_sprite(
        prompt: Prompt,
        ctx: Context[Any, Any],
        model: Model = None,
        size: Size = None,
        count: Annotated[
            int, Field(ge=1, le=MAX_COUNT, description="Images to make, with seeds S, S+1, ... (default 1).")
        ] = 1,
        frames: Annotated[
            int | None,
            Field(
                ge=1,
                le=MAX_FRAMES,
                description="Above 1: each image is an animation of that many frames side by side (a sprite sheet). "
                "Default 1, or the style's.",
            ),
        ] = None,
        motion: Annotated[Motion | None, Field(description="What an animation shows (default idle).")] = None,
        tile: Annotated[
            bool | None, Field(description="A seamless tile whose edges continue into each other (default false).")
        ] = None,
        style: Annotated[
            str | None,
            Field(
                description="A sprite template that frames the prompt and sets defaults, so a set of sprites reads "
                f"alike: {styles_text()}. Arguments given here win over the style's."
            ),
        ] = None,
        seed: Seed = None,
        palette: Palette = None,
        negative: Annotated[
            str | None, Field(max_length=1000, description="What to avoid in the image (default: the style's).")
        ] = None,
        tags: Tags = [],  # noqa: B006 (never changed: a JSON schema default)
        wait: Annotated[
            bool,
            Field(description="Wait for the images (default). False: answer at once with the job id for job_status."),
        ] = True,
        timeout_s: Annotated[
            float,
            Field(
                gt=0,
                le=1800,
                description=f"With wait: how long to wait (default {DEFAULT_TIMEOUT_S:g} s). The job goes on after "
                "that; job_status follows it.",
            ),
        ] = DEFAULT_TIMEOUT_S,
        max_px: MaxPx = DEFAULT_MAX_PX,
    ) -> CallToolResult:
        """Generate pixel-art sprites with the dgx-pixels worker and return them as PNG images.

        Queues one job of `count` images (seeds S, S+1, ...). With wait (the default) it follows the job and
        returns the images with their ids (JOB-N), which deploy_to_bevy, get_image and search_gallery use; at
        most 8 images are returned, the rest by id. A job still running at timeout_s keeps running: job_status
        follows it. frames > 1 makes animation sheets; tile=true seamless tiles; style frames the prompt as one of
        the shipped sprite templates (character, item, tile, effect)."""
        asked = {"negative": negative, "size": size, "frames": frames, "motion": motion, "tile": tile}
        text, fields, category = styled(style, plain_prompt(prompt), asked)
        params: dict[str, object] = {
            "negative": fields.get("negative"),
            "model": model,
            "count": count,
            "seed": seed,
            "frames": fields.get("frames") if fields.get("frames") != 1 else None,
            "motion": fields.get("motion"),
            "tile": fields.get("tile") or None,
            "tags": tags,
            **size_fields(fields.get("size")),
        }
        params = locked({k: v for k, v in params.items() if v is not None}, palette, worker.settings)
        client = await worker.client()
        job = await generate_confirmed(
            client,
            text,
            params,
            lambda tries: note(f"no answer to generate yet; asking again ({tries})"),
        )
        if not wait:
            return answer("\n".join([*job_lines(job), f"queued; job_status with job_id={job.id} follows it"]))

        async def progress(seen: m.JobInfo) -> None:
            await ctx.report_progress(seen.progress, 1.0, f"{seen.state.value} {seen.progress:.0%}")

        hint = f"its style's Bevy folder: deploy_to_bevy with category='{category}'" if category else ""
        return await job_answer(client, await follow_job(client, job.id, timeout_s, progress), max_px, True, hint)

    @server.tool(annotations=ToolAnnotations(title="Follow a job", read_only_hint=True, open_world_hint=False))
    @guarded
    async def job_status(
        job_id: Annotated[str, Field(min_length=1, max_length=64, description="The job's id (or a unique prefix).")],
        wait_s: WaitS = 0,
        max_px: MaxPx = DEFAULT_MAX_PX,
    ) -> CallToolResult:
        """A job's state, progress, stage and error; its images (PNG) once completed.

        With wait_s, waits up to that many seconds for the job to end before answering."""
        client = await worker.client()
        return await job_answer(client, await follow_job(client, job_id, wait_s), max_px, False)
