"""The arena's tools: compare (one prompt through 2-4 models, shown blind) and vote (which panel is best)."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, ContentBlock, TextContent, ToolAnnotations
from pydantic import Field

from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.protocol import messages as m

from ..commands.arena import VOTE_WORDS
from ..commands.generate import locked
from .following import follow_comparison
from .generation_tools import DEFAULT_TIMEOUT_S
from .results import DEFAULT_MAX_PX, ToolFailure, answer, guarded, png_content
from .tool_arguments import MaxPx, Negative, Palette, Prompt, Seed, Size, Tags, plain_prompt, size_fields
from .worker_access import WorkerAccess

ComparisonId = Annotated[str, Field(min_length=1, max_length=64, description="The comparison's id, from compare.")]


def vote_choice(choice: str, panels: int) -> tuple[str, int | None]:
    """The outcome and winning panel (0-based) of a choice: a panel number from 1, or tie, bad or skip."""
    word = choice.strip().lower()
    if word.isdigit():
        if not 1 <= int(word) <= panels:
            raise ToolFailure(f"panel {word}: this comparison has {panels} panels (1-{panels}); or tie, bad, skip")
        return "win", int(word) - 1
    if word in VOTE_WORDS:
        return VOTE_WORDS[word], None
    raise ToolFailure(f"vote for a panel number (1-{panels}), or tie, bad or skip; not {choice!r}")


def register(server: MCPServer[Any], worker: WorkerAccess) -> None:
    @server.tool(annotations=ToolAnnotations(title="Compare models on one prompt", open_world_hint=False))
    @guarded
    async def compare(
        prompt: Prompt,
        models: Annotated[
            list[str],
            Field(min_length=2, max_length=4, description="2 to 4 model presets (list_models names them)."),
        ],
        seed: Seed = None,
        size: Size = None,
        palette: Palette = None,
        negative: Negative = "",
        tags: Tags = [],  # noqa: B006 (never changed: a JSON schema default)
        timeout_s: Annotated[
            float,
            Field(gt=0, le=1800, description=f"How long to wait for the panels (default {DEFAULT_TIMEOUT_S:g} s)."),
        ] = DEFAULT_TIMEOUT_S,
        max_px: MaxPx = DEFAULT_MAX_PX,
    ) -> CallToolResult:
        """Make the same prompt and seed with 2-4 models and show the results blind, as numbered panels in a
        shuffled order (the models are revealed by the vote). Then call vote with the comparison id and the best
        panel's number (or tie, bad, skip): votes build the model leaderboard."""
        params: dict[str, object] = {"negative": negative, "seed": seed, "tags": tags, **size_fields(size)}
        params = locked({k: v for k, v in params.items() if v is not None}, palette, worker.settings)
        client = await worker.client()
        made = await client.compare(plain_prompt(prompt), [name.strip() for name in models], **params)
        comparison = await follow_comparison(client, made.id, timeout_s)
        content: list[ContentBlock] = [
            TextContent(
                type="text", text=f"comparison {comparison.id}: {comparison.state.value}, seed {comparison.seed}"
            )
        ]
        for panel in comparison.panels:
            reply = await client.image(panel.image_id, max_px=max_px) if panel.image_id else None
            if reply is None or reply.png is None:
                follow = f" (job_status with job_id={panel.job_id} follows it)" if panel.job_id else ""
                content.append(TextContent(type="text", text=f"panel {panel.panel + 1}: {panel.state.value}{follow}"))
                continue
            content.append(TextContent(type="text", text=f"panel {panel.panel + 1}: image {panel.image_id}"))
            content.append(png_content(reply.png))
        if comparison.state.terminal:
            advice = f"vote with comparison_id={comparison.id} and choice 1-{len(comparison.panels)}, tie, bad or skip"
        else:
            advice = f"not finished after {timeout_s:g} s: the panels go on; follow them with job_status, then vote"
        content.append(TextContent(type="text", text=advice))
        return CallToolResult(content=content)

    @server.tool(annotations=ToolAnnotations(title="Vote on a comparison", open_world_hint=False))
    @guarded
    async def vote(
        comparison_id: ComparisonId,
        choice: Annotated[
            str,
            Field(
                min_length=1,
                max_length=8,
                description="The best panel's number (1-4), or 'tie', 'bad' (all bad) or 'skip'.",
            ),
        ],
    ) -> CallToolResult:
        """Vote on a comparison made by compare: which panel is best. Answers with the models behind the panels and
        how the vote moved their scores."""
        client = await worker.client()
        comparison = await client.comparison(comparison_id.strip())
        outcome, winner = vote_choice(choice, len(comparison.panels))
        try:
            reply = await client.vote(comparison.id, outcome, winner)
        except WorkerError as exc:
            if exc.code == ErrorCode.INVALID and comparison.state is not m.JobState.COMPLETED:
                raise ToolFailure(f"{exc.message} (comparison {comparison.id} is {comparison.state.value})") from None
            raise
        lines = [f"voted {outcome if winner is None else f'panel {winner + 1}'} on {comparison.id}"]
        for panel, change in zip(reply.comparison.panels, reply.changes, strict=False):
            before = "new" if change.before is None else f"{change.before:.0f}"
            star = " (winner)" if reply.vote.winner == panel.panel else ""
            lines.append(f"panel {panel.panel + 1}: {panel.model}, score {before} -> {change.after:.0f}{star}")
        return answer("\n".join(lines))
