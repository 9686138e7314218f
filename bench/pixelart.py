"""Pixel-art pipeline figures on the corpus of real game sprites (tests/data/pixelart_corpus, see its README).

Each of the 60 sprites and tiles is degraded like a diffusion render (prepared once, outside the timing: a
non-integer upscale to about 1024 px, a sub-pixel offset, blur, colour noise, JPEG; a third of them on a flat
noisy background, a third keeping soft transparency, a third opaque tiles), then run through DEFAULT_PIPELINE
and compared with the original:

    size_exact_share           share of images that come back at exactly their true size
    pixels_right_<group>       share of pixels whose alpha matches and whose colour is within 24 on every
                               channel, per group (transparent, flat_background, opaque_tile); a wrong size
                               counts every pixel of that image as wrong
    colour_count_error_median  median |colours of the result - true palette size| (colours closer than OKLab
                               0.012 counted once), over the images of the right size
    distinct_colours_merged    pairs of a sprite's colours at least OKLab 0.08 apart that came out as one colour
    failures_silent            wrong sizes whose record neither says "no pixel grid found" nor warns
    failures_reported          wrong sizes that the record owns up to (the job's postprocess_warning)
    ms_per_1024_median, _p90   CPU milliseconds of the whole pipeline per render (process time: other load on
                               a shared machine does not count)

    python bench/pixelart.py [--json] [--per-image]
"""

from __future__ import annotations

import argparse
import json

from _harness import report

from tests.support.pixelart_corpus import measure

TARGETS = {
    "size_exact_share": "target >= 0.98",
    "pixels_right_transparent": "target >= 0.95",
    "pixels_right_flat_background": "target >= 0.95",
    "pixels_right_opaque_tile": "target >= 0.95",
    "colour_count_error_median": "target <= 1",
    "distinct_colours_merged": "target 0",
    "failures_silent": "target 0",
    "ms_per_1024_median": "target <= 100",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    parser.add_argument("--per-image", action="store_true", help="also each image's figures, one JSON line each")
    args = parser.parse_args()
    figures = measure()
    per_image = figures.pop("per_image")
    if args.per_image:
        for item in per_image:
            print(json.dumps(item))
    report("bench/pixelart.py", {k: float(v) for k, v in figures.items()}, TARGETS, args.json)


if __name__ == "__main__":
    main()
