"""Variations from the Generate screen: Vary names an image file on this machine (sent as its bytes, so it works
over SSH) or a gallery image, with a strength; a missing file or a strength out of range is said, nothing sent."""

import io

from PIL import Image
from textual.widgets import Input, Static

from dgx_pixels_tui.app import PixelsApp

from tests.support.pilot import SIZE, until


def status(app) -> str:
    return str(app.screen.query_one("#live-status", Static).render())


async def test_an_image_file_here_is_varied_and_its_job_records_the_upload(worker, tmp_path):
    sketch = tmp_path / "sketch.png"
    Image.new("RGBA", (24, 24), (200, 40, 40, 255)).save(sketch)
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "connected" in app.connection_line[1], what="connection")
        app.screen.query_one("#prompt", Input).value = "red gem"
        app.screen.query_one("#vary", Input).value = str(sketch)
        app.screen.query_one("#strength", Input).value = "0.3"
        await pilot.press("ctrl+g")
        await until(pilot, lambda: " done: " in status(app), what="the variation")
        job = await app.client.job(status(app).split()[0])
        png = (await app.client.image(job.images[0])).png
    assert job.init_image and job.init_image.startswith("upload:") and job.strength == 0.3
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (64, 64)


async def test_a_missing_file_and_a_strength_out_of_range_are_said_and_nothing_is_queued(worker, tmp_path):
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "connected" in app.connection_line[1], what="connection")
        app.screen.query_one("#prompt", Input).value = "red gem"
        app.screen.query_one("#vary", Input).value = str(tmp_path / "nowhere.png")
        await pilot.press("ctrl+g")
        messages = lambda: [n.message for n in app._notifications]  # noqa: E731
        await until(pilot, lambda: any("no such image file here" in m for m in messages()), what="the refusal")
        app.screen.query_one("#vary", Input).value = ""
        app.screen.query_one("#strength", Input).value = "0.4"
        await pilot.press("ctrl+g")
        await until(pilot, lambda: any("Strength is for variations" in m for m in messages()), what="the refusal")
        jobs = (await app.client.jobs()).jobs
    assert not [job for job in jobs if job.prompt == "red gem"]
