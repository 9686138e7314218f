"""A generate whose answer is late: the TUI says the job is not confirmed yet and asks again with the same request
id, and the job the worker queued from the first send is the one it shows; nothing is queued twice."""

import signal
import sqlite3

from textual.widgets import Static

from dgx_pixels_tui.app import PixelsApp

from tests.support.pilot import SIZE, until


def status_line(app):
    return str(app.screen.query_one("#live-status", Static).render())


async def test_a_generate_answered_late_is_checked_again_and_queued_once(worker):
    client = worker.client(name="tui")
    client.timeout = 1.0  # seconds a request waits for its answer
    app = PixelsApp(client)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "connected" in app.connection_line[1], what="connection")
        worker.process.send_signal(signal.SIGSTOP)  # the worker takes the request but answers too late
        try:
            await pilot.press(*"slow chest", "enter")
            await until(pilot, lambda: "not confirmed yet" in status_line(app), what="the job to be unconfirmed")
            assert "checking whether it queued 'slow chest'" in status_line(app)
        finally:
            worker.process.send_signal(signal.SIGCONT)
        await until(pilot, lambda: " done: " in status_line(app), what="the job to finish")
        final = status_line(app)
        messages = [n.message for n in app._notifications]
        titles = [n.title for n in app._notifications]
    assert "not queued" not in titles, messages
    with sqlite3.connect(worker.data_dir / "dgx-pixels.db") as db:
        rows = db.execute("SELECT id, request_id FROM jobs WHERE prompt = 'slow chest'").fetchall()
    assert len(rows) == 1 and rows[0][1]  # one job, made by the first send, found again by the second
    assert final.startswith(f"{rows[0][0]} done")
