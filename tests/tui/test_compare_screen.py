"""The Compare screen (the model arena) driven by Textual's Pilot against a real worker with the procedural styles."""

import asyncio
import re

from textual.widgets import DataTable, Input, SelectionList, Static

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.previews.widget import SpritePreview

from tests.support.pilot import SIZE, until
from tests.support.worker_process import paced_config

STYLES = ("procedural", "procedural-pico8", "procedural-gameboy")
SLOW = paced_config(0.2)  # 8 steps: 1.6 s a panel


def captions(app, n=3):
    return [str(app.screen.query_one(f"#panel-caption-{i}", Static).render()) for i in range(n)]


def named(text):
    return any(style in text for style in STYLES)


async def open_compare(pilot, prompt="gold chest", three=True):
    """F7, the prompt typed, the third style ticked too (the first two are ticked already), submitted."""
    app = pilot.app
    await until(pilot, lambda: app.connection_line[0] == "connected", what="connection")
    await pilot.press("f7")
    chooser = app.screen.query_one("#compare-models", SelectionList)
    await until(pilot, lambda: chooser.option_count == 3, what="the three procedural styles")
    assert list(chooser.selected) == list(STYLES[:2])
    await pilot.press(*prompt)
    if three:
        await pilot.press("tab", "down", "down", "space")
        assert set(chooser.selected) == set(STYLES)
    await pilot.press("ctrl+g")
    screen = app.screen
    await until(pilot, lambda: screen.current is not None, what="the comparison")
    return screen


async def images_shown(pilot, screen, n=3):
    previews = [screen.query_one(f"#panel-preview-{i}", SpritePreview) for i in range(n)]
    await until(
        pilot,
        lambda: all(p.image is not None for p in previews) and screen.current.state.value == "completed",
        what="every panel's image",
    )


async def test_compare_blind_then_vote_reveals_the_models_and_the_score_change(worker):
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot)
        assert sorted(p.model for p in screen.current.panels) == sorted(STYLES)
        await images_shown(pilot, screen)
        await until(
            pilot,
            lambda: all(c.startswith(f"Panel {i + 1} · done") for i, c in enumerate(captions(app))),
            what="done captions",
        )
        assert not any(named(c) for c in captions(app))
        assert not screen.query_one(f"#panel-{3}").display  # three panels in a row; the fourth hidden
        await pilot.press("1")
        await until(pilot, lambda: screen.vote is not None, what="the vote")
        revealed = captions(app)
        assert revealed[0].startswith("★ Panel 1 · ") and all(named(c) and "→" in c for c in revealed)
        winner = screen.current.panels[0].model
        assert winner in revealed[0]
        votes = await app.client.votes()
        assert votes.total == 1 and votes.votes[0].outcome == "win" and votes.votes[0].winner == 0
        async with worker.client() as other:
            board = await other.leaderboard()
        assert board.total_votes == 1 and board.rows[0].preset == winner
        await pilot.press("2")  # once per comparison
        await pilot.pause(0.2)
        assert (await app.client.votes()).total == 1


async def test_next_round_shows_the_round_queued_ahead_at_once(worker):
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot, "red knight", three=False)
        first = screen.current
        await until(pilot, lambda: screen.ahead is not None, what="the round queued ahead")
        ahead = screen.ahead
        assert "1 round queued ahead" in str(screen.query_one("#compare-status", Static).render())
        await images_shown(pilot, screen, 2)
        await pilot.press("t")
        await until(pilot, lambda: screen.vote is not None, what="the tie")
        await pilot.press("n")
        assert screen.current.id == ahead.id  # shown on the key press, not after another request
        assert screen.current.seed != first.seed and screen.current.prompt == "red knight"
        assert screen.vote is None and not any(named(c) for c in captions(app, 2))
        await until(
            pilot,
            lambda: screen.ahead is not None and screen.ahead.id not in (first.id, ahead.id),
            what="another round queued ahead",
        )
        await images_shown(pilot, screen, 2)


async def test_typing_vote_keys_into_the_prompt_types_them(worker):
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot, "slime", three=False)
        await images_shown(pilot, screen, 2)
        shown = screen.current.id
        await pilot.press("p")
        prompt = screen.query_one("#compare-prompt", Input)
        assert screen.focused is prompt
        prompt.value = ""
        await pilot.press(*"1 2 t b s n h")
        assert prompt.value == "1 2 t b s n h"
        await pilot.pause(0.2)
        assert screen.vote is None and screen.current.id == shown and not screen.show_names
        assert (await app.client.votes()).total == 0
        await pilot.press("escape", "h")  # out of the field, the keys act again
        assert screen.focused is screen.query_one("#compare-panels") and screen.show_names


async def test_h_shows_the_names_before_the_vote(worker):
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot, "potion", three=False)
        await images_shown(pilot, screen, 2)
        await pilot.press("h")
        assert [screen.current.panels[i].model in c for i, c in enumerate(captions(app, 2))] == [True, True]
        assert "names shown" in str(screen.query_one("#compare-status", Static).render())
        await pilot.press("h")
        assert not any(named(c) for c in captions(app, 2))
        assert screen.vote is None


async def test_a_vote_before_every_image_is_there_is_refused(make_worker):
    worker = make_worker(SLOW).start()
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot, "wizard")
        await pilot.press("1")
        assert screen.current.state.value != "completed"
        messages = [n.message for n in app._notifications]
        assert any("wait for every panel" in text for text in messages), messages
        await until(
            pilot,
            lambda: any(re.search(r"Panel \d · \d+% step \d/8", c) for c in captions(app)),
            what="live progress in a caption",
        )
        await pilot.pause(0.2)
        assert screen.vote is None and (await app.client.votes()).total == 0


async def test_the_models_screen_leaderboard_follows_votes_cast_elsewhere(worker):
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot, worker.client() as other:
        await until(pilot, lambda: app.connection_line[0] == "connected", what="connection")
        await pilot.press("f5")
        note = app.screen.query_one("#leaderboard-note", Static)
        await until(pilot, lambda: "no votes yet — press F7" in str(note.render()), what="the empty leaderboard")
        comparison = await other.compare("ruby gem", list(STYLES[:2]), width=16, height=16)
        for _ in range(200):
            if (await other.comparison(comparison.id)).state.value == "completed":
                break
            await asyncio.sleep(0.05)
        await other.vote(comparison.id, "win", 1)
        board = app.screen.query_one("#leaderboard", DataTable)
        await until(pilot, lambda: board.row_count == 2, what="the leaderboard after the vote")
        assert str(board.get_row_at(0)[1]) == comparison.panels[1].model and "1 vote(s)" in str(note.render())
        app.screen.query_one("#leaderboard-tag").focus()
        await pilot.press(*"nothing", "enter")
        await until(
            pilot,
            lambda: board.row_count == 0 and "no votes tagged 'nothing'" in str(note.render()),
            what="the empty tag",
        )
