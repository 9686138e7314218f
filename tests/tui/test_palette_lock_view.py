"""The TUI locks what it generates to the project palette, and says so on the Generate screen."""

import io

import numpy as np
from PIL import Image
from textual.widgets import Static

from dgx_pixels_tui.app import PixelsApp

from tests.support.pilot import SIZE, until


async def test_a_generation_from_the_tui_is_locked_to_the_project_palette(worker):
    app = PixelsApp(worker.client(name="tui"), palette="gameboy")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "connected" in app.connection_line[1], what="connection")
        await pilot.press(*"blue potion", "enter")
        status = lambda: str(app.screen.query_one("#live-status", Static).render())  # noqa: E731
        await until(pilot, lambda: " done: " in status(), what="the job to finish")
        job_id = status().split()[0]
        client = app.client
        gameboy = next(p.colors for p in (await client.call("palettes")).palettes if p.name == "gameboy")
        job = await client.job(job_id)
        png = (await client.image(job.images[0])).png
        assert "palette gameboy" in status()  # the finished line says what the sprite is locked to
    assert job.palette == gameboy
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).reshape(-1, 4)
    assert {"#" + bytes(p[:3].tolist()).hex() for p in pixels if p[3]} <= set(gameboy)
