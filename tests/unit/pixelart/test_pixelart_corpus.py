"""The default pipeline on real game sprites degraded like diffusion renders (tests/data/pixelart_corpus):
the figures bench/pixelart.py prints, held to the goals, and the corpus itself as its README describes it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from tests.support.pixelart_corpus import CORPUS, GROUPS, cases, degrade, measure, palette_size


@pytest.fixture(scope="module")
def figures():
    return measure()


def test_the_default_pipeline_gets_real_sprites_back(figures):
    wrong = [item["name"] for item in figures["per_image"] if not item["size_exact"]]
    assert figures["size_exact_share"] >= 0.98, wrong
    for group in GROUPS:
        assert figures[f"pixels_right_{group}"] >= 0.95, group
    assert figures["colour_count_error_median"] <= 1
    assert figures["distinct_colours_merged"] == 0  # no two clearly different colours of a sprite become one


def test_no_wrong_size_goes_unreported(figures):
    silent = [item["name"] for item in figures["per_image"] if not item["size_exact"] and not item["reported"]]
    assert silent == []
    assert figures["failures_silent"] == 0


def test_tiles_and_sprites_cut_by_their_frame_lose_no_pixel(figures):
    by_name = {item["name"]: item for item in figures["per_image"]}
    for case in cases():
        item = by_name[case.name]
        if item["size_exact"] and case.group != "flat_background":  # tiles, and sprites whose border is partly art
            assert item["pixels_right"] >= 0.95, case.name


def test_the_palette_size_is_the_sprites_own(figures):
    exact = [item for item in figures["per_image"] if item["size_exact"]]
    few = [item for item in exact if item["true_colours"] <= 8]
    assert len(few) >= 10
    # a sprite of a few colours comes back with about as few, not with 16
    assert np.median([abs(item["colours"] - item["true_colours"]) for item in few]) <= 1
    assert max(item["colours"] for item in few) <= 12


def test_the_corpus_is_what_its_readme_says():
    manifest = json.loads((CORPUS / "manifest.json").read_text())
    files = sorted(path.name for path in CORPUS.glob("*.png"))
    assert sorted(entry["file"] for entry in manifest["images"]) == files
    assert len(files) == 60
    assert sum(path.stat().st_size for path in CORPUS.iterdir() if path.is_file()) < 1_000_000
    assert "CC0" in manifest["licence"] and "crawl-tiles-data" in manifest["source"]
    readme = (CORPUS / "README.md").read_text()
    assert "CC0" in readme and "crawl-tiles-data" in readme
    groups = [case.group for case in cases()]
    assert all(groups.count(group) == 20 for group in GROUPS)
    sizes = [palette_size(case.truth) for case in cases()]
    assert min(sizes) <= 5 and max(sizes) >= 30
    for case in cases():
        alpha = np.asarray(Image.open(CORPUS / case.name).convert("RGBA"))[:, :, 3]
        assert set(np.unique(alpha)) <= {0, 255}, case.name
        border = np.concatenate([alpha[0], alpha[-1], alpha[:, 0], alpha[:, -1]])
        if case.group == "opaque_tile":
            assert alpha.min() == 255, case.name
        elif case.name.startswith("edge"):
            assert 0 < (border == 255).mean() < 1, case.name  # partly art, partly transparent


def test_degrading_is_deterministic():
    for n in (0, 1):
        case = cases()[n]
        again = degrade(case.truth, case.group, n)
        assert np.array_equal(np.asarray(case.render), np.asarray(again))
