"""The Generate screen and what every screen shares (tabs, connection line, footer, help, palette), at the edges a
user meets: huge pastes, coming back after a job ended elsewhere, a model that cannot run now, a narrow terminal."""

import time

from textual import events
from textual.widgets import Footer, Input, Label, Select, Static
from textual.widgets._footer import FooterKey

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.messages import StatusArrived
from dgx_pixels_tui.previews.widget import SpritePreview
from dgx_pixels_tui.widgets.connection_bar import ConnectionBar, fit
from dgx_pixels_tui.widgets.fitted_footer import fitted
from dgx_pixels_worker.protocol import messages as m

from tests.support.pilot import until
from tests.support.recorded_worker import LIMITS, MODELS, STATUS, RecordedClient, images
from tests.support.worker_process import paced_config

NARROW = (80, 24)
WIDE = (120, 40)


def text_of(app, selector):
    return str(app.screen.query_one(selector, Static).render())


def lora(available: bool, reason: str | None = None) -> m.ModelInfo:
    return m.ModelInfo(
        name="tiny-lora",
        backend="cpu1",
        kind="comfyui",
        available=available,
        reason=reason,
        defaults={"width": 512, "height": 512, "steps": 20, "cfg": 7.0},
    )


class ChangingModels(RecordedClient):
    """The recorded worker whose ComfyUI model can go down (and its reasons be long)."""

    def __init__(self) -> None:
        super().__init__()
        self.model_list = [*MODELS, lora(True)]

    async def models(self) -> list[m.ModelInfo]:
        return list(self.model_list)


async def connected(pilot):
    await until(pilot, lambda: pilot.app.connection_line[0] == "connected", what="the connection")
    await pilot.pause(0.3)


async def test_a_100_kb_paste_is_cut_at_the_workers_limit_and_said_so():
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=WIDE) as pilot:
        await connected(pilot)
        prompt = app.screen.query_one("#prompt", Input)
        started = time.monotonic()
        prompt.post_message(events.Paste("knight " * 15_000))
        await until(pilot, lambda: prompt.value != "", what="the paste")
        await pilot.press("a")  # typing past the limit does nothing either
        await pilot.pause(0.2)
        assert time.monotonic() - started < 5
        assert len(prompt.value) == LIMITS["prompt_chars"]
        shown = " ".join(str(n.message) for n in app._notifications)
        assert "at most 2,000" in shown and "prompt_chars" in shown


async def test_coming_back_to_generate_shows_the_end_of_a_job_that_ended_on_another_screen(make_worker):
    worker = make_worker(paced_config(0.02)).start()
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=WIDE) as pilot:
        await connected(pilot)
        app.screen.query_one("#count", Input).value = "16"
        app.screen.query_one("#size", Input).value = "16x16"
        app.screen.query_one("#prompt", Input).focus()
        await pilot.press(*"gold chest", "enter")
        generate = app.screen
        await until(pilot, lambda: generate.job_id is not None, what="the job")
        job_id = generate.job_id
        await until(pilot, lambda: "image" in text_of(app, "#live-status"), what="the job to run")
        await pilot.press("f3")
        await until(
            pilot, lambda: app.link.mirror.jobs[job_id].state is m.JobState.COMPLETED, timeout=60, what="the job's end"
        )
        await pilot.press("f2")
        await until(pilot, lambda: "done: 16 image(s)" in text_of(app, "#live-status"), what="the catch-up")
        recent = app.screen.query("#recent SpritePreview")
        await until(pilot, lambda: len(app.screen.query("#recent SpritePreview")) == 6, what="the recent strip")
        recent = [thumb.id for thumb in app.screen.query("#recent SpritePreview")]
        assert recent[0] == f"recent-{job_id}-15"  # the newest image of the job first
        assert app.screen.query_one("#live-preview", SpritePreview).image is not None


async def test_the_recent_strip_is_filled_from_the_gallery_at_start():
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=WIDE) as pilot:
        await connected(pilot)
        shown = lambda: [t.id for t in app.screen.query("#recent SpritePreview")]  # noqa: E731
        await until(pilot, lambda: len(shown()) == min(6, len(images())), what="the recent strip")
        assert shown()[0] == f"recent-{images()[0].id}"


async def test_a_chosen_model_that_goes_down_stays_chosen_and_enter_says_it_cannot_run():
    client = ChangingModels()
    app = PixelsApp(client)
    async with app.run_test(size=WIDE) as pilot:
        await connected(pilot)
        select = app.screen.query_one("#model", Select)
        select.value = "tiny-lora"
        await pilot.pause(0.2)
        client.model_list = [*MODELS, lora(False, "cpu1: http://cpu1:8188 unreachable: connection refused")]
        await pilot.press("f3")
        await pilot.press("f2")
        note = lambda: text_of(app, "#model-note")  # noqa: E731
        await until(pilot, lambda: "cannot run now" in note(), what="the note")
        assert select.value == "tiny-lora"
        assert "connection refused" in note()
        app.screen.query_one("#prompt", Input).focus()
        await pilot.press(*"knight", "enter")
        await pilot.pause(0.3)
        assert not [call for call in client.calls if call[0] == "generate"]  # no procedural sprite instead
        shown = " ".join(str(n.message) for n in app._notifications)
        assert "tiny-lora cannot run now" in shown
        client.model_list = [*MODELS, lora(True)]  # ComfyUI is back
        await pilot.press("f3", "f2")
        await until(pilot, lambda: "cannot run now" not in note(), what="the model back")
        assert select.value == "tiny-lora"


async def test_every_unavailable_model_is_listed_with_its_whole_reason():
    client = ChangingModels()
    long_reason = "cpu1: http://cpu1:8188 unreachable: connection refused; the worker retries every 30 seconds"
    client.model_list = [*MODELS, lora(False, long_reason)]
    app = PixelsApp(client)
    async with app.run_test(size=NARROW) as pilot:
        await connected(pilot)
        note = app.screen.query_one("#unavailable", Static)
        await until(pilot, lambda: "tiny-lora" in str(note.render()), what="the note")
        text = str(note.render())
        assert "sdxl-pixel-art" in text and long_reason in text
        assert note.size.height >= 4  # wrapped, not cut
        await pilot.pause(0.2)
        text = "".join(str(line.text) for line in note.render_lines(note.region.reset_offset))
        assert "retries every 30" in text


async def test_labels_stay_beside_filled_fields_and_steps_and_cfg_are_off_for_procedural():
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=WIDE) as pilot:
        await connected(pilot)
        app.screen.query_one("#seed", Input).value = "42"
        labels = {str(label.render()) for label in app.screen.query(Label)}
        assert {"Seed", "Size", "Steps", "CFG", "Count"} <= labels
        await until(pilot, lambda: app.screen.query_one("#steps", Input).disabled, what="steps off")
        assert app.screen.query_one("#cfg", Input).disabled
        assert "steps and CFG do not apply" in text_of(app, "#model-note")


async def test_the_top_line_follows_the_workers_status_on_backend_health():
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=WIDE) as pilot:
        await connected(pilot)
        up = m.BackendInfo(name="cpu1", kind="comfyui", healthy=True, slots=1)
        app.post_message(StatusArrived(STATUS.model_copy(update={"backends": [up], "procedural_only": False})))
        await until(pilot, lambda: "cpu1 ✓" in app.connection_line[1], what="cpu1 up")
        assert "no ComfyUI reachable" not in app.connection_line[1]
        down = up.model_copy(update={"healthy": False})
        app.post_message(StatusArrived(STATUS.model_copy(update={"backends": [down], "procedural_only": True})))
        await until(pilot, lambda: "cpu1 ✗ down" in app.connection_line[1], what="cpu1 down")
        assert "no ComfyUI reachable" in app.connection_line[1]


def test_a_narrow_line_keeps_the_warning_and_drops_details():
    line = "● connected to tcp://127.0.0.1:5555  ·  no ComfyUI reachable: procedural sprites (offline, not AI)  ·  x"
    assert fit(line, 78) == "● connected  ·  no ComfyUI reachable: procedural sprites (offline, not AI)"
    assert fit(line, 200) == line


async def test_at_80x24_the_button_the_recent_strip_tabs_and_footer_fit():
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=NARROW) as pilot:
        await connected(pilot)
        await until(pilot, lambda: len(app.screen.query("#recent SpritePreview")) > 0, what="the recent strip")
        screen = app.screen.region
        button = app.screen.query_one("#submit").region
        assert screen.contains_region(button) and button.height >= 1
        assert "Generate" in str(app.screen.query_one("#submit").render())
        thumb = app.screen.query("#recent SpritePreview").first().region
        assert thumb.height >= 4 and screen.contains_region(thumb)
        tabs = str(app.screen.query_one("#tabs").render())
        assert all(f"f{n}{name}" in tabs for n, name in ((1, "Help"), (7, "Compare"), (8, "Train")))  # all 8 fit
        assert len(tabs) <= NARROW[0]
        bar = app.screen.query_one(ConnectionBar)
        assert "no ComfyUI reachable" in str(bar.render())
        keys = list(app.screen.query_one(Footer).query(FooterKey))
        assert keys and all(key.region.right <= NARROW[0] for key in keys)
        assert {"Generate", "Quit"} <= {key.description for key in keys}


async def test_help_names_keys_as_typed_one_line_each_and_escape_leaves_it():
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=WIDE) as pilot:
        await connected(pilot)
        await pilot.press("f3", "f1")
        await until(pilot, lambda: type(app.screen).__name__ == "HelpScreen", what="help")
        lines = app.screen.text.splitlines()
        assert "+ or =  Priority +" in lines
        assert "ctrl+g  Generate" in lines
        assert not [line for line in lines if "plus" in line or "equals_sign" in line or "super+c" in line]
        await pilot.pause(0.3)
        table = app.screen.query(".help-keys").first()
        assert table.size.height == len(app.screen.sections()[0][1]) + 1  # a title, then one line per key
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "QueueScreen", what="back to the queue")


async def test_the_palette_offers_every_screens_actions_and_switches_to_the_screen():
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=WIDE) as pilot:
        await connected(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Export to Bevy", "Cancel", "Tie", "Random seed", "Go to Queue"} <= titles
        await pilot.press("ctrl+p", *"export to bevy")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(
            pilot,
            lambda: "Gallery" in type(app.screen).__name__ or "Export" in type(app.screen).__name__,
            what="the gallery",
        )


async def test_every_screens_footer_fits_80_columns_with_its_keys_named():
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=NARROW) as pilot:
        await connected(pilot)
        for key in ("f1", "f2", "f3", "f4", "f5", "f6", "f7"):
            await pilot.press(key)
            await pilot.pause(0.3)
            keys = list(app.screen.query_one(Footer).query(FooterKey))
            assert keys and all(k.region.right <= NARROW[0] for k in keys), (key, [k.description for k in keys])
            if key == "f4":
                shown = {k.description for k in keys}
                assert {"Export", "Mark", "Quit"} <= shown  # "Export to Bevy" shortened, its tooltip whole
                export = next(k for k in keys if k.description == "Export")
                assert export.tooltip == "Export to Bevy"


def test_descriptions_shrink_to_a_first_word_only_when_needed_and_never_into_twins():
    pairs = [("+", "Priority +"), ("-", "Priority −"), ("e", "Export to Bevy")]
    assert fitted(pairs, 200) == ["Priority +", "Priority −", "Export to Bevy"]
    assert fitted(pairs, 30) == ["Priority +", "Priority −", "Export"]
