"""Cut the pixel-art corpus out of Dungeon Crawl Stone Soup's tile sheets (Debian package crawl-tiles-data).

    apt-get download crawl-tiles-data && dpkg -x crawl-tiles-data_*.deb /tmp/crawl
    python tests/data/pixelart_corpus/cut_corpus.py /tmp/crawl/usr/share/crawl/dat/tiles

Writes the PNGs and manifest.json beside this file. The choice is deterministic: sprites are the connected
shapes of the sheets, tiles the 32x32 cells of floor.png and wall.png, picked by colour count so that few-colour
and many-colour art are both in; alpha is made one-bit (at 128), as the pipeline's output is.
"""

from __future__ import annotations

import json
import sys
from collections import deque
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
SOURCE = "Dungeon Crawl Stone Soup 0.28.0 tiles, Debian package crawl-tiles-data 2:0.28.0-1.1"
# Pixel art keeps a small palette; the few tiles of hundreds of colours are rendered textures, not pixel art.
MAX_COLOURS = 48
LICENCE = "CC0 / public domain (Debian copyright: 'Public Domain|CC0: most of tiles'; package GPL-2+)"


def one_bit(rgba: np.ndarray) -> np.ndarray:
    out = rgba.copy()
    opaque = out[:, :, 3] >= 128
    out[:, :, 3] = np.where(opaque, 255, 0)
    out[~opaque, :3] = 0
    return out


def colours(rgba: np.ndarray) -> int:
    visible = rgba[:, :, 3] > 0
    return len(np.unique(rgba[visible][:, :3], axis=0))


def components(mask: np.ndarray) -> list[tuple[int, int, int, int, np.ndarray]]:
    """(x0, y0, x1, y1, pixel mask of the box) of each 8-connected shape of `mask`."""
    seen = np.zeros_like(mask)
    h, w = mask.shape
    found = []
    for y, x in zip(*np.nonzero(mask), strict=True):
        if seen[y, x]:
            continue
        queue, pixels = deque([(y, x)]), []
        seen[y, x] = True
        while queue:
            cy, cx = queue.popleft()
            pixels.append((cy, cx))
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    ny, nx = cy + dy, cx + dx
                    if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        queue.append((ny, nx))
        ys, xs = np.array(pixels).T
        box = np.zeros((ys.max() - ys.min() + 1, xs.max() - xs.min() + 1), dtype=bool)
        box[ys - ys.min(), xs - xs.min()] = True
        found.append((int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1, box))
    return found


def sprites(sheet: Path, want: int, rng: np.random.Generator) -> list[tuple[np.ndarray, list[int]]]:
    rgba = one_bit(np.array(Image.open(sheet).convert("RGBA")))
    picked = []
    for x0, y0, x1, y1, box in components(rgba[:, :, 3] > 0):
        if not (16 <= x1 - x0 <= 40 and 16 <= y1 - y0 <= 40) or box.mean() < 0.3:
            continue
        cut = rgba[y0:y1, x0:x1].copy()
        cut[~box] = 0
        picked.append((cut, [x0, y0, x1 - x0, y1 - y0]))
    return _spread(picked, want, rng)


def tiles(sheet: Path, want: int, rng: np.random.Generator) -> list[tuple[np.ndarray, list[int]]]:
    return _spread(_opaque_cells(sheet, 32), want, rng)


def strips(sheet: Path, want: int, rng: np.random.Generator) -> list[tuple[np.ndarray, list[int]]]:
    """Rows of 4 neighbouring opaque tiles: wide art with long straight edges."""
    picked = [item for item in _opaque_cells(sheet, 128) if colours(item[0]) <= MAX_COLOURS]
    return [picked[i] for i in rng.choice(len(picked), want, replace=False)]


def _opaque_cells(sheet: Path, width: int) -> list[tuple[np.ndarray, list[int]]]:
    """The fully opaque width x 32 cells of a sheet of 32x32 tiles, left to right, top to bottom."""
    rgba = one_bit(np.array(Image.open(sheet).convert("RGBA")))
    cells = []
    for y in range(0, rgba.shape[0] - 31, 32):
        for x in range(0, rgba.shape[1] - width + 1, width):
            cell = rgba[y : y + 32, x : x + width]
            if cell[:, :, 3].min() == 255:
                cells.append((cell.copy(), [x, y, width, 32]))
    return cells


def _spread(items: list[tuple[np.ndarray, list[int]]], want: int, rng: np.random.Generator) -> list:
    """`want` items of 3 to MAX_COLOURS colours, no two of one size and colour count (the sheets hold many
    recoloured copies), a third of them with at most 8 colours when the sheet has them, the rest at random."""
    distinct = {}
    for item in items:
        n = colours(item[0])
        if 3 <= n <= MAX_COLOURS:
            distinct.setdefault((item[0].shape, n), item)
    items = list(distinct.values())
    few = [item for item in items if colours(item[0]) <= 8]
    many = [item for item in items if colours(item[0]) > 8]
    n_few = min(len(few), want // 3)
    chosen = [few[i] for i in rng.choice(len(few), n_few, replace=False)] if n_few else []
    chosen += [many[i] for i in rng.choice(len(many), want - n_few, replace=False)]
    return chosen


def main(tiles_dir: Path) -> None:
    rng = np.random.default_rng(13)
    plan = [
        ("sprite", "main.png", sprites, 14),
        ("sprite", "player.png", sprites, 20),
        ("edge", "feat.png", sprites, 6),
        ("tile", "floor.png", tiles, 9),
        ("tile", "wall.png", tiles, 9),
        ("strip", "floor.png", strips, 1),
        ("strip", "wall.png", strips, 1),
    ]
    manifest = []
    for kind, sheet, cut, want in plan:
        for n, (image, rect) in enumerate(cut(tiles_dir / sheet, want, rng)):
            if kind == "edge":
                # a sprite cut off by its frame: its border is partly art, partly transparent
                h, w = image.shape[:2]
                image = image[h // 4 :, : w - w // 4]
                rect = [rect[0], rect[1] + h // 4, w - w // 4, h - h // 4]
            name = f"{kind}-{Path(sheet).stem}-{n:02d}.png"
            Image.fromarray(image, "RGBA").save(HERE / name, optimize=True)
            manifest.append({"file": name, "sheet": sheet, "rect": rect, "colors": colours(image)})
    (HERE / "manifest.json").write_text(
        json.dumps({"source": SOURCE, "licence": LICENCE, "images": manifest}, indent=1) + "\n"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
