"""The Train screen (F8) driven by Textual's Pilot against the recorded worker: a dataset loaded, a caption edited,
an image dropped, the training started and shown on the Queue screen with its stage and estimate but no step bar; a
dataset with problems shown in red and refused; a trained preset evaluated and judged blind on the Compare screen."""

from pathlib import Path

from PIL import Image
from textual.widgets import DataTable, Input, Static

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.previews.widget import SpritePreview

from tests.support.pilot import until
from tests.support.recorded_worker import ONE_COLOUR, ONE_COLOUR_PROBLEM, RecordedClient
from tests.tui.test_screen_snapshots import frozen_clock  # noqa: F401 (an autouse fixture, used by being here)

SIZE = (120, 40)


def text(app, selector):
    return str(app.screen.query_one(selector, Static).render())


def rows(app, selector="#train-dataset"):
    table = app.screen.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def open_train(pilot):
    app = pilot.app
    await until(pilot, lambda: app.connection_line[0] == "connected", what="the connection")
    await pilot.press("f8")
    await until(pilot, lambda: type(app.screen).__name__ == "TrainScreen", what="the Train screen")
    return app.screen


async def load(pilot, source):
    app = pilot.app
    app.screen.query_one("#train-source", Input).value = source
    await pilot.press("ctrl+l")
    await until(pilot, lambda: app.screen.draft is not None and app.screen.draft.source is not None, what="dataset")
    await until(pilot, lambda: app.screen.query_one("#train-dataset", DataTable).row_count > 0, what="the rows")


async def test_load_edit_drop_and_train_then_the_queue_shows_the_job_without_a_step_bar():
    client = RecordedClient(training=True)
    app = PixelsApp(client)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_train(pilot)
        await until(pilot, lambda: screen.query_one("#train-base").value == "sdxl-base", what="the trainable base")
        await pilot.press(*"knights-v2")
        await load(pilot, "tag:creature")
        assert [row[:3] for row in rows(app)] == [
            ["4e5f60718293-1", "32x32", "fire dragon"],
            ["4e5f60718293-0", "32x32", "fire dragon"],
        ]
        assert "2 image(s) ready: ctrl+t trains" in text(app, "#train-status")
        await until(pilot, lambda: screen.query_one("#train-preview").image is not None, what="the preview")

        await pilot.press("enter")  # edits the highlighted row's caption
        caption = screen.query_one("#train-caption", Input)
        assert caption.display and caption.has_focus and caption.value == "fire dragon"
        caption.value = ""
        await pilot.press(*"red dragon breathing fire", "enter")
        assert rows(app)[0][2] == "red dragon breathing fire" and not caption.display

        await pilot.press("down", "x")  # drops the second image; the worker is asked again
        await until(pilot, lambda: len(rows(app)) == 1, what="the row dropped")
        await until(pilot, lambda: client.calls[-1][0] == "dataset", what="the dataset checked again")

        screen.query_one("#train-steps", Input).value = "600"
        screen.query_one("#train-lr", Input).value = "0.0001"
        await pilot.press("ctrl+t")
        await until(pilot, lambda: screen.job is not None, what="the training job")
        name, base, items, asked = next(args for kind, args in client.calls if kind == "train")
        assert (name, base) == ("knights-v2", "sdxl-base")
        assert [(i.image, i.caption) for i in items] == [("4e5f60718293-1", "red dragon breathing fire")]
        assert asked["steps"] == 600 and asked["learning_rate"] == 0.0001 and asked["rank"] is None
        status = text(app, "#train-status")
        assert f"as job {screen.job.id}: F3 Queue shows its stage, elapsed time and estimate" in status
        assert "no step progress" in status

        await pilot.press("f3")  # the recorded queue holds a training job, running
        queue = app.screen
        await until(pilot, lambda: "9a0b1c2d3e4f" in queue.table.rows, what="the training job in the queue")
        queue.table.move_cursor(row=queue.table.get_row_index("9a0b1c2d3e4f"))
        await until(pilot, lambda: "LoRA knights-v1" in text(app, "#job-detail"), what="the job's detail")
        detail = text(app, "#job-detail")
        assert "training · 1m00s of about 15m00s · no step progress from ComfyUI while training" in detail
        assert "LoRA knights-v1 on sdxl-base · 12 images · 400 steps · rank 16 · learning rate 0.0002" in detail
        row = [str(cell) for cell in queue.table.get_row("9a0b1c2d3e4f")]
        assert "training: no steps" in row and "█" not in "".join(row)
        assert "1m00s" in row and "14m00s" in row  # elapsed, and the estimate's remainder as eta


async def test_a_dataset_with_problems_shows_them_in_red_and_train_refuses():
    client = RecordedClient(training=True)
    app = PixelsApp(client)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_train(pilot)
        await pilot.press(*"slimes")
        await load(pilot, "slime")
        assert rows(app) == [[ONE_COLOUR, "32x32", "green slime", ONE_COLOUR_PROBLEM]]
        problem = screen.query_one("#train-dataset", DataTable).get_row_at(0)[3]
        assert problem.style == "red"
        assert text(app, "#train-status") == f"{ONE_COLOUR_PROBLEM} (x drops it)"  # whole, however narrow
        await pilot.press("ctrl+t")
        await pilot.pause(0.2)
        assert not [call for call in client.calls if call[0] == "train"] and screen.job is None
        said = [n.message for n in app._notifications]
        assert "1 image(s) cannot be trained on (in red): drop them with x, or load another dataset" in said
        await pilot.press("x")
        await until(pilot, lambda: not rows(app), what="the bad image dropped")
        assert "the dataset is empty" in text(app, "#train-status")


async def test_a_folder_here_is_sent_and_captioned_from_its_file_names(tmp_path: Path):
    for name, colour in (("red_knight.png", (200, 0, 0, 255)), ("blue-knight.png", (0, 0, 200, 255))):
        image = Image.new("RGBA", (24, 24), (0, 0, 0, 0))
        image.paste(colour, (4, 4, 20, 20))
        image.save(tmp_path / name)
    (tmp_path / "red_knight.txt").write_text("a knight in red armour")
    client = RecordedClient(training=True)
    app = PixelsApp(client)
    async with app.run_test(size=SIZE) as pilot:
        await open_train(pilot)
        await load(pilot, str(tmp_path))
        assert [(row[0][:7], row[1], row[2]) for row in rows(app)] == [
            ("upload:", "24x24", "blue knight"),
            ("upload:", "24x24", "a knight in red armour"),
        ]
        assert [kind for kind, _ in client.calls] == ["upload", "upload", "dataset"]


async def test_a_worker_with_no_comfyui_says_no_base_can_train():
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=SIZE) as pilot:
        await open_train(pilot)
        await until(pilot, lambda: "No base can train here" in text(app, "#train-status"), what="the warning")
        await pilot.press(*"k1")
        app.screen.query_one("#train-source", Input).value = "dragon"
        await pilot.press("ctrl+t")
        await pilot.pause(0.2)
        assert app.screen.job is None


async def test_evaluating_a_trained_preset_judges_its_comparisons_blind_on_compare():
    client = RecordedClient(training=True)
    app = PixelsApp(client)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_train(pilot)
        await until(pilot, lambda: rows(app, "#train-trained") != [], what="the trained presets")
        assert rows(app, "#train-trained")[0][:2] == ["knights-v1", "sdxl-base"]
        assert "undecided vs sdxl-base: 75% (46–91%) in 10 games" in rows(app, "#train-trained")[0][4]
        screen.query_one("#train-trained", DataTable).focus()
        await pilot.press("e")
        await until(pilot, lambda: type(app.screen).__name__ == "CompareScreen", what="the Compare screen")
        compare = app.screen
        assert ("evaluate", ("knights-v1", [], 8, None)) in client.calls
        await until(pilot, lambda: compare.current is not None and compare.current.id == "e0a1b2c3d4e5", what="first")
        await until(pilot, lambda: compare.current.state.value == "completed", what="rendered")
        captions = [str(compare.query_one(f"#panel-caption-{i}", Static).render()) for i in range(2)]
        assert captions[0].startswith("Panel 1") and captions[1].startswith("Panel 2")
        assert not any("knights-v1" in c or "sdxl-base" in c for c in captions)  # blind
        status = str(compare.query_one("#compare-status", Static).render())
        assert status.startswith("“fire dragon” · e0a1b2c3d4e5") and status.endswith("1 of 2 to judge (n next)")

        await pilot.press("1")
        await until(pilot, lambda: compare.vote is not None, what="the vote")
        revealed = str(compare.query_one("#panel-caption-0", Static).render())
        assert "knights-v1" in revealed
        await pilot.press("n")
        await until(pilot, lambda: compare.current.id == "e1b2c3d4e5f6", what="the second comparison")
        assert compare.vote is None and compare.ahead is None
        await until(pilot, lambda: compare.current.state.value == "completed", what="the second rendered")
        assert str(compare.query_one("#compare-status", Static).render()).endswith("2 of 2 to judge, the last")
        await pilot.press("n")
        await pilot.pause(0.1)
        assert compare.current.id == "e1b2c3d4e5f6"  # the last one: n makes no round of its own
        assert len([call for call in client.calls if call[0] == "compare"]) == 2  # the evaluation's: n made none


async def test_the_models_screen_says_how_each_trained_preset_fares_against_its_base():
    app = PixelsApp(RecordedClient(training=True))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.connection_line[0] == "connected", what="the connection")
        await pilot.press("f5")
        await until(pilot, lambda: "knights-v1" in text(app, "#leaderboard-note"), what="the head-to-head line")
        assert "knights-v1: undecided vs sdxl-base: 75% (46–91%) in 10 games" in text(app, "#leaderboard-note")


async def test_train_is_in_the_tabs_help_and_the_command_palette():
    app = PixelsApp(RecordedClient(training=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.connection_line[0] == "connected", what="the connection")
        tabs = str(app.screen.query_one("#tabs").render())
        assert tabs.endswith("f7Compare f8Train")  # eight screens fit 80 columns, each key joined to its name
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Go to Train" in titles and "Load dataset" in titles and "Evaluate" in titles
        await pilot.press("f1")
        await until(pilot, lambda: type(app.screen).__name__ == "HelpScreen", what="Help")
        assert "f8  Train" in app.screen.text and "ctrl+l  Load dataset" in app.screen.text
        assert "x or del  Drop image" in app.screen.text and "e  Evaluate" in app.screen.text


async def test_o_on_compare_judges_the_rounds_an_evaluation_from_the_shell_left_waiting():
    client = RecordedClient(training=True)
    made = await client.evaluate("knights-v1")  # as `dgx-pixels train evaluate` would
    app = PixelsApp(client)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.connection_line[0] == "connected", what="the connection")
        await pilot.press("f7")
        await until(pilot, lambda: type(app.screen).__name__ == "CompareScreen", what="the Compare screen")
        compare = app.screen
        compare.panels.focus()
        await pilot.press("o")
        await until(pilot, lambda: compare.current is not None, what="a round to judge")
        assert ("open_comparisons", (None, 32)) in client.calls
        assert compare.current.id == made[0].id
        await until(pilot, lambda: compare.current.state.value == "completed", what="rendered")
        status = str(compare.query_one("#compare-status", Static).render())
        assert status.endswith(f"1 of {len(made)} to judge (n next)")
        await pilot.press("1")
        await until(pilot, lambda: compare.vote is not None, what="the vote")
        assert [c.id for c in await client.open_comparisons()] == [c.id for c in made[1:]]


async def test_a_trained_preset_focused_shows_its_loss_curve_fetched_from_the_worker():
    client = RecordedClient(training=True)
    app = PixelsApp(client)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_train(pilot)
        await until(pilot, lambda: rows(app, "#train-trained") != [], what="the trained presets")
        screen.query_one("#train-trained", DataTable).focus()
        preview = screen.query_one("#train-preview", SpritePreview)
        await until(pilot, lambda: preview.image is not None, what="the loss curve")
        assert preview.image.size == (48, 32)  # the recorded worker's curve, not a dataset image
        status = str(screen.query_one("#train-status", Static).render())
        assert status.startswith("knights-v1: its loss curve")
