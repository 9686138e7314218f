"""The prompt words the procedural generator draws nothing for are named, never dropped in silence."""

from __future__ import annotations

import pytest

from dgx_pixels_worker.backends.procedural import unused_words as for_model
from dgx_pixels_worker.procedural import unused_words


@pytest.mark.parametrize(
    ("prompt", "unused"),
    [
        ("spaceship", ("spaceship",)),  # unknown: the seed picks the subject
        ("skeleton archer", ("archer",)),  # a second subject: one sprite, one subject
        ("red knight with a sword", ("sword",)),  # characters hold nothing
        ("knight in a meadow", ("meadow",)),  # a tile kind beside a subject
        ("sword and dagger", ("dagger",)),
        ("Spaceships, Spaceships!", ("spaceships",)),  # each once, lower case, as typed
        ("", ()),
    ],
)
def test_words_that_change_nothing_are_listed_in_prompt_order(prompt: str, unused: tuple[str, ...]) -> None:
    assert unused_words(prompt) == unused


@pytest.mark.parametrize(
    "prompt",
    [
        "knight in gold armour",  # "armour" says "knight" again
        "pixel art ice potion, 16 bit sprite",  # what every sprite already is
        "rubies",  # plural of a gem
        "seamless meadow stone tile",  # marker, kind and material of a tile
        "fire tile",
        "red scarlet crimson slime",  # every colour is used, synonyms too
    ],
)
def test_understood_prompts_have_no_unused_words(prompt: str) -> None:
    assert unused_words(prompt) == ()


def test_a_colour_the_negative_prompt_rules_out_is_unused() -> None:
    assert unused_words("red knight", "red") == ("red",)
    assert unused_words("red knight", "blue") == ()


def test_only_procedural_models_report_unused_words() -> None:
    assert for_model("procedural-pico8", "spaceship", "") == ["spaceship"]
    assert for_model("sdxl-pixel-art", "spaceship", "") == []
