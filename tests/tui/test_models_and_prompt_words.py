"""Against a real worker without ComfyUI: the Models screen lists every preset with why it cannot run, and the
Generate screen says which words of the prompt the procedural sprite has nothing for."""

from textual.widgets import DataTable, Static

from dgx_pixels_tui.app import PixelsApp

from tests.support.pilot import SIZE, until


async def test_the_models_screen_lists_the_presets_that_need_a_comfyui_server(worker):
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "connected" in app.connection_line[1], what="connection")
        await pilot.press("f5")
        table = app.screen.query_one("#models", DataTable)
        await until(pilot, lambda: "sdxl-pixel-art" in table.rows, what="the presets")
        where = " ".join(str(table.get_cell("sdxl-pixel-art", "where")).split())
        assert "comfyui ✗ none is configured" in where and "[[backends]]" in where
        assert "procedural" in table.rows


async def test_generate_says_which_prompt_words_were_not_drawn(worker):
    app = PixelsApp(worker.client(name="tui"))

    def status() -> str:
        return str(app.screen.query_one("#live-status", Static).render())

    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "connected" in app.connection_line[1], what="connection")
        await pilot.press(*"skeleton archer")
        await pilot.press("enter")
        await until(pilot, lambda: "done" in status(), what="the job to finish")
        assert "not drawn: archer (the procedural generator cannot use these words)" in status()
