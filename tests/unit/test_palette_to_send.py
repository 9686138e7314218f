"""What a client sends as the palette to lock to: `--palette` over the project palette, files read on this
machine, 'none' for no lock; and a recolor step whose target is a file here."""

import pytest

from dgx_pixels_tui.palette_lock import lock_text, palette_to_send
from dgx_pixels_tui.terminal_format import pipeline_text
from dgx_pixels_worker.pixelart.pipeline_spec import with_local_palettes


def test_the_flag_wins_over_the_project_palette_and_none_unlocks(tmp_path):
    assert palette_to_send(None, "") is None
    assert palette_to_send(None, "db16") == "db16"
    assert palette_to_send("pico8", "db16") == "pico8"
    assert palette_to_send("none", "db16") is None
    assert palette_to_send("NONE", "") is None


def test_a_palette_file_is_read_here_and_sent_as_its_colours(tmp_path):
    game = tmp_path / "game.gpl"
    game.write_text("GIMP Palette\nName: game\n#\n 10  20  30\tdark\n200 210 220\tlight\n")
    assert palette_to_send(str(game), "") == ["#0a141e", "#c8d2dc"]
    assert palette_to_send(None, str(game)) == ["#0a141e", "#c8d2dc"]


def test_a_missing_or_broken_file_names_where_it_came_from(tmp_path):
    with pytest.raises(ValueError, match=r"--palette .*missing\.hex"):
        palette_to_send(str(tmp_path / "missing.hex"), "")
    broken = tmp_path / "broken.hex"
    broken.write_text("zzzzzz\n")
    with pytest.raises(ValueError, match=r"\[project\] palette .*broken\.hex"):
        palette_to_send(None, str(broken))


def test_the_lock_reads_as_its_name_or_its_size():
    assert lock_text("db16") == "palette db16"
    assert lock_text(["#000000", "#ffffff"]) == "palette of 2 colours"
    assert lock_text(None) == ""


def test_a_recolor_to_a_file_here_is_sent_as_its_colours(tmp_path):
    team = tmp_path / "team.hex"
    team.write_text("ff0000\n00ff00\n")
    sent = with_local_palettes([{"op": "recolor", "to": str(team)}])
    assert sent == [{"op": "recolor", "colors": ["#ff0000", "#00ff00"]}]
    assert with_local_palettes("recolor:to=pico8") == "recolor:to=pico8"  # a library name stays for the worker


def test_the_step_summary_names_mirror_and_recolor():
    record = [
        {"op": "mirror", "found": {"axis": "x"}},
        {"op": "recolor", "found": {"palette": "db16", "colors_before": 7, "colors_after": 6}},
    ]
    assert pipeline_text(record) == "mirror left-right · recolor → db16 7→6 colours"
