"""The Train screen's dataset field and the dataset it edits: what a typed source means, captions edited, images
dropped, and why `train` is refused."""

from pathlib import Path

import pytest

from dgx_pixels_tui.dataset_draft import DatasetDraft, Source, parse_source
from dgx_pixels_worker.protocol import messages as m


def test_a_source_is_a_query_the_winners_of_a_tag_or_a_folder_here(tmp_path, monkeypatch):
    assert parse_source(" tag:knights ") == Source(query="tag:knights")
    assert parse_source("red knight") == Source(query="red knight")
    assert parse_source("winners:knights") == Source(winners="knights")
    assert parse_source("winners:") == Source(winners="")
    assert parse_source("~/sprites") == Source(folder=Path.home() / "sprites")
    assert parse_source("./set") == Source(folder=Path("set"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "knights").mkdir()
    assert parse_source("knights") == Source(folder=Path("knights"))  # a folder that is there is the folder
    with pytest.raises(ValueError, match="say where the dataset comes from"):
        parse_source("  ")


def entry(image, caption="a knight", problem=None):
    return m.DatasetEntry(image=image, caption=caption, width=16, height=16, problem=problem)


def test_captions_edited_and_images_dropped_are_what_train_is_given():
    draft = DatasetDraft(Source(query="knight"), [entry("a-0"), entry("b-0"), entry("c-0")])
    draft.caption(1, "  a  blue\tknight ")
    draft.drop(2)
    assert draft.items() == [{"image": "a-0", "caption": "a knight"}, {"image": "b-0", "caption": "a blue knight"}]
    assert draft.edited and draft.refusal is None


def test_train_is_refused_while_an_image_has_a_problem_or_the_dataset_is_empty():
    bad = entry("b-0", problem="b-0 is a single colour: a LoRA learns nothing from it; leave it out")
    draft = DatasetDraft(Source(query="knight"), [entry("a-0"), bad], problems=[bad.problem or ""])
    assert draft.refusal == "1 image(s) cannot be trained on (in red): drop them with x, or load another dataset"
    draft.drop(1)
    assert draft.refusal is None and draft.problems == []
    draft.drop(0)
    assert draft.refusal.startswith("the dataset is empty: load one (ctrl+l)")
    whole = DatasetDraft(Source(query="x"), [entry("a-0")], problems=["a dataset needs at least 2 images"])
    assert whole.refusal == "a dataset needs at least 2 images"
