"""Pixel-grid detection: the pitch and offset of upscaled, blurred, noisy pixel art, and the downscale to true size.

Edges of upscaled pixel art lie on a grid. The absolute differences of neighbouring columns (rows), summed
down the image, give a 1-D edge profile per axis (rows summed in blocks first for large pitches, and only
over the box that holds the edges when the sprite is small in its frame). The profile's spectrum has a
peak at 1/pitch and at the harmonics k/pitch; the JPEG block grid, the sprite's outline and noise add
peaks of their own. Each spectral peak is refined and scored by contrast: the mean edge energy within a
quarter pitch of the implied grid lines against the mean energy between them. The true pitch and its
fractions (pitch/2, pitch/3) all score high when the upscale is sharp, multiples (2*pitch) and foreign
grids score low, so the best pitch wins unless a whole multiple of it scores nearly as well.

Art at its true size can look like a grid by chance when it has few edges, so a candidate must also
have flat cells (sample pairs at cell centres agree far more often than pairs astride cell edges), a
pitch under 4 must be whole and score higher, and a fractional pitch needs an image of some size.
When no candidate passes, the image is taken as already true size (pitch 1).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np

from .colour import ImageLike, as_rgba, dominant_colours, mode_share

MIN_PITCH = 2.0
MAX_PITCH = 128.0
MIN_CELLS = 12  # a detected grid has at least this many cells along the longer side
MIN_CONTRAST = 2.5  # below this no grid explains the edges: the image is taken as true resolution
# Large cells of a render blurred over several pixels (and dark, low-contrast art) leave a weaker grid in the
# edges; their flatness (FLAT_RATIOS) tells a true grid from a chance one, so less contrast is asked.
AXIS_CONTRAST = 1.25  # each axis alone must show the grid this much (noise alone gives 1.0 to 1.15)
LARGE_PITCH = 12.0
LARGE_PITCH_CONTRAST = 1.4
NEAR_BEST = 0.6  # a multiple of the best pitch wins when its contrast is at least this fraction of the best
# Cells under 4 pixels are too small to test for flatness past the blur, so the edges must say more,
# and the pitch must be whole: true-size art with few edges fits some small fractional pitch by chance.
SMALL_PITCH = 4.0
SMALL_PITCH_CONTRAST = 3.0
# Fractional pitches come from large renders; a small image is true size or a whole upscale.
MIN_SIZE_FRACTIONAL = 160
# A true grid's cells are nearly flat: sample pairs at their centres disagree at most this fraction as
# often as pairs astride the cell edges, by cell size (measured on soft, noisy JPEG upscales: at most
# 0.02 from 6 pixels up, 0.23 at 4 to 5 with JPEG colour bleeding; chance grids on flat-shaded true-size
# sprites 0.02 to 0.2, nearly all at fractional pitches).
FLAT_RATIOS = ((4.0, 0.8), (6.0, 0.3), (12.0, 0.08), (math.inf, 0.4))
CELL_TOLERANCE = 32.0  # RGBA distance within which two samples of a cell count as the same colour
FINE_TOLERANCE = 12.0  # the same, for art whose neighbouring colours are nearly all within CELL_TOLERANCE
_LOW_CONTRAST_SHARE = 0.05  # ... which shows as so few disagreeing samples on the shifted grid
_CROP_AREA = 0.5  # profiles come from the edges' box when it is at most this share of the image
_MIN_CROP = 16
_ACTIVE_SHARE = 0.2  # an edge this strong relative to the strongest bounds the edges' box
_CHECK = np.array([0.4, 0.6])  # flat-cell check samples (cell fractions): clear of blur and JPEG colour bleed
_MAX_CHECKED_CELLS = 4096  # the flat-cell check looks at a regular subset of the cells beyond this many
_MAX_CANDIDATES = 8  # spectral peaks tried per band
_ZERO_PAD = 16  # spectrum bins per 1/length: fine enough that a parabola finds the peak to a small drift
_BANDS = ((MIN_PITCH, 8.0, 1), (8.0, 32.0, 4), (32.0, MAX_PITCH, 16))  # pitches, rows averaged (see _block_profiles)
_BLOCK_STEP = 4
_JPEG_BLOCK = 8

Profiles = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Grid:
    """Where the cells of the true-resolution image lie in the upscaled one.

    Cell (i, j) spans x from offset_x + j * pitch_x to offset_x + (j + 1) * pitch_x, likewise y. The offset
    may be negative: a first cell cut off by the image edge counts when at least half of it is visible.
    """

    pitch_x: float
    pitch_y: float
    offset_x: float
    offset_y: float
    width: int
    height: int
    confidence: float

    def to_dict(self) -> dict[str, float | int]:
        """The fields as a JSON-serialisable dict, floats rounded to 3 decimals."""
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def detect_grid(
    image: ImageLike,
    pitch: float | tuple[float, float] | None = None,
    size: int | tuple[int, int] | None = None,
) -> Grid:
    """The pixel grid of `image`: detected, or from an explicit `pitch` (cell size in source pixels) or
    `size` (cells across and down). An image with no detectable grid gets pitch 1 (already true size)."""
    rgba = as_rgba(image)
    height, width = rgba.shape[:2]
    cells = (size, size) if isinstance(size, int) else size
    pitches = (pitch, pitch) if isinstance(pitch, (int, float)) else pitch
    if cells is not None and pitches is not None:
        raise ValueError("give pitch or size, not both")
    if cells is not None and (
        len(cells) != 2
        or not all(isinstance(n, int) and 1 <= n <= m for n, m in zip(cells, (width, height), strict=True))
    ):
        raise ValueError(f"size must be whole cell counts from 1 to the image size {width}x{height}, got {size!r}")
    if pitches is not None and not all(p >= 1 for p in pitches):
        raise ValueError(f"pitch must be at least 1, got {pitch!r}")
    bands, origin = _content_bands(rgba)
    if cells is not None:
        by_size = (width / cells[0], height / cells[1])
        grid = _grid_for(_band_for(bands, min(by_size)), by_size, origin, (width, height))
        return replace(grid, width=cells[0], height=cells[1])
    if pitches is not None:
        given = (float(pitches[0]), float(pitches[1]))
        return _grid_for(_band_for(bands, min(given)), given, origin, (width, height))
    tried = set()
    for attempt in (bands, _without_jpeg_blocks(bands, origin)):
        for found, profiles in _pitch_candidates(attempt, max(width, height)):
            grid = _grid_for(profiles, (found, found), origin, (width, height))
            key = (round(grid.pitch_x, 2), round(grid.offset_x), round(grid.offset_y))
            if key not in tried and _cells_are_flat(rgba, grid):
                return grid
            tried.add(key)
    return Grid(1.0, 1.0, 0.0, 0.0, width, height, 0.0)


def _without_jpeg_blocks(
    bands: list[tuple[float, float, Profiles]], origin: tuple[int, int]
) -> list[tuple[float, float, Profiles]]:
    """The bands with every 8-periodic part of the edge profiles taken out (each phase of the 8-pixel JPEG
    block grid brought to the profile's mean).

    In dark, low-contrast art the block edges and ringing of a JPEG round trip can outweigh the art's own
    edges and hide its grid; tried only when no grid is found otherwise, as true pitch-8 art has its edges
    on that period too.
    """

    def cleaned(profile: np.ndarray, start: int) -> np.ndarray:
        if profile.size < 2 * _JPEG_BLOCK:
            return profile
        phase = (np.arange(1, profile.size + 1) + start) % _JPEG_BLOCK
        means = np.bincount(phase, weights=profile, minlength=_JPEG_BLOCK) / np.bincount(phase, minlength=_JPEG_BLOCK)
        return np.clip(profile - means[phase] + profile.mean(), 0, None)

    return [(lo, hi, (cleaned(x, origin[0]), cleaned(y, origin[1]))) for lo, hi, (x, y) in bands]


def downscale(image: ImageLike, grid: Grid, tolerance: float = CELL_TOLERANCE) -> np.ndarray:
    """The (grid.height, grid.width, 4) uint8 RGBA image holding the dominant colour of each cell.

    Samples come from the central half of each cell (up to 3 x 3 of them), away from blurred edges.
    """
    rgba = as_rgba(image)
    if grid.pitch_x == 1.0 and grid.pitch_y == 1.0 and (grid.width, grid.height) == rgba.shape[1::-1]:
        return rgba
    rgba[rgba[:, :, 3] == 0, :3] = 0  # hidden colours of transparent pixels must not split a cell's mode
    xs = _sample_coords(grid.offset_x, grid.pitch_x, grid.width, rgba.shape[1], _central(grid.pitch_x))
    ys = _sample_coords(grid.offset_y, grid.pitch_y, grid.height, rgba.shape[0], _central(grid.pitch_y))
    cells = dominant_colours(_gather(rgba, xs, ys), tolerance)
    return cells.reshape(grid.height, grid.width, 4)


def _central(pitch: float) -> np.ndarray:
    """Sample positions as fractions of a cell: 2 or 3 spread over the central half (both pixels of a
    2-pixel cell, the middle one of a 3-pixel cell twice)."""
    per_axis = int(min(3, max(2, round(pitch / 2))))
    return 0.25 + 0.5 * (np.arange(per_axis) + 0.5) / per_axis


def _sample_coords(
    offset: float, pitch: float, cells: int, limit: int, fractions: np.ndarray, step: int = 1
) -> np.ndarray:
    """(cells, len(fractions)) pixel coordinates of the samples of each cell along one axis (of every
    `step`-th cell only, when given)."""
    index = np.arange(0, cells, step)
    coords = np.floor(offset + (index[:, None] + fractions[None, :]) * pitch).astype(np.intp)
    return np.clip(coords, 0, limit - 1)


def _gather(rgba: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """(cells, samples per cell, 4): the samples of each cell, cells in row-major order."""
    (h, sy), (w, sx) = ys.shape, xs.shape
    samples = rgba[ys.reshape(-1)[:, None], xs.reshape(-1)[None, :]]
    return samples.reshape(h, sy, w, sx, 4).transpose(0, 2, 1, 3, 4).reshape(h * w, sy * sx, 4)


def _prepared(rgba: np.ndarray) -> np.ndarray:
    """int16 RGBA whose differences are the edges. Colours are weighted by alpha: a soft edge's faint pixels
    carry colours of little meaning (noise divided by a small alpha), whose jumps lie off the grid."""
    out = rgba.astype(np.int16)
    if rgba[:, :, 3].min() < 255:
        out[:, :, :3] = (out[:, :, :3] * out[:, :, 3:]) // 255
    return out


def _content_bands(rgba: np.ndarray) -> tuple[list[tuple[float, float, Profiles]], tuple[int, int]]:
    """The bands of the part of the image that holds the edges, and that part's top-left corner.

    A small sprite on a wide flat background leaves most of each profile to noise, which drowns the
    grid; the profiles of the sprite's own box do not have that problem.
    """
    bands = _bands(rgba)
    x_span, y_span = (_active_span(p) for p in bands[1][2])
    height, width = rgba.shape[:2]
    if x_span is None or y_span is None:
        return bands, (0, 0)
    (x0, x1), (y0, y1) = x_span, y_span
    if (x1 - x0) * (y1 - y0) > _CROP_AREA * width * height or min(x1 - x0, y1 - y0) < _MIN_CROP:
        return bands, (0, 0)
    return _bands(rgba[y0:y1, x0:x1]), (x0, y0)


def _active_span(profile: np.ndarray) -> tuple[int, int] | None:
    """[start, end) of the pixels between the first and the last strong edge, with a small margin."""
    if profile.size < 5:
        return None
    smooth = np.convolve(profile, np.ones(5) / 5, mode="same")
    top = np.percentile(smooth, 99.5)
    if top <= 0:
        return None
    active = np.flatnonzero(smooth > _ACTIVE_SHARE * top)
    margin = 2 + profile.size // 50
    return max(0, int(active[0]) - margin), min(profile.size + 1, int(active[-1]) + 2 + margin)


def _bands(rgba: np.ndarray) -> list[tuple[float, float, Profiles]]:
    """(smallest pitch, largest pitch, edge profiles along x and y) for each pitch band."""
    # Moving whole pixels as uint32 makes the transpose several times faster than moving bytes.
    pixels = np.ascontiguousarray(rgba).view(np.uint32)[:, :, 0]
    transposed = np.ascontiguousarray(pixels.T)[:, :, None].view(np.uint8)
    x_levels = _block_profiles(_prepared(rgba))
    y_levels = _block_profiles(_prepared(transposed))
    return [(lo, hi, (x, y)) for (lo, hi, _), x, y in zip(_BANDS, x_levels, y_levels, strict=True)]


def _band_for(bands: list[tuple[float, float, Profiles]], pitch: float) -> Profiles:
    return next((profiles for lo, hi, profiles in bands if pitch < hi), bands[-1][2])


def _block_profiles(channels: np.ndarray) -> list[np.ndarray]:
    """Edge energy between neighbouring columns (float64; entry i is the boundary at i + 1), one profile
    per band. Rows are summed in blocks first so that the faint steps of strongly blurred large pixels
    rise above the noise before the absolute difference rectifies it."""
    rows, block = channels, 1
    profiles = []
    for _, _, wanted in _BANDS:
        while block < wanted and rows.shape[0] >= 2 * _BLOCK_STEP:
            n = rows.shape[0] // _BLOCK_STEP
            blocks = [rows[k : n * _BLOCK_STEP : _BLOCK_STEP] for k in range(_BLOCK_STEP)]
            rows = sum(blocks[1:], start=blocks[0])
            block *= _BLOCK_STEP
        steps = np.abs(rows[:, 1:] - rows[:, :-1]).sum(axis=0, dtype=np.int32).sum(axis=-1, dtype=np.int64)
        profiles.append(_above_floor(steps.astype(np.float64)))
    return profiles


def _above_floor(profile: np.ndarray) -> np.ndarray:
    """The profile minus its noise floor (a low percentile), clipped at zero."""
    if profile.size == 0:
        return profile
    return np.clip(profile - np.percentile(profile, 20), 0, None)


def _pitch_candidates(bands: list[tuple[float, float, Profiles]], longest: int) -> list[tuple[float, Profiles]]:
    """Pitches whose grid explains the edges, most likely first, each with the profiles it was scored on."""
    max_pitch = min(MAX_PITCH, longest / MIN_CELLS)
    n_fft = 1 << math.ceil(math.log2(_ZERO_PAD * longest))
    scored = []
    for lo, hi, profiles in bands:
        if lo > max_pitch or not any(p.sum() for p in profiles):
            continue
        spectrum = sum(
            (np.abs(np.fft.rfft(p - p.mean(), n_fft)) for p in profiles if p.size), start=np.zeros(n_fft // 2 + 1)
        )
        bins = np.arange(spectrum.size)
        valid = (bins >= n_fft / min(hi, max_pitch) - 0.5) & (bins <= n_fft / lo + 0.5)
        for index in _peaks(spectrum, valid):
            pitch = _snapped(profiles, n_fft / _refined(spectrum, index))
            if MIN_PITCH - 0.01 <= pitch <= max_pitch:
                scored.append((pitch, _contrast(profiles, pitch), profiles))
    eligible = sorted(
        (item for item in scored if _plausible(*item[:2], longest) and _on_both_axes(item[2], item[0])),
        key=lambda item: -item[1],
    )
    if not eligible:
        return []
    best_pitch, best_contrast, _ = eligible[0]
    # A sharp grid scores as well at pitch/2 as at its own pitch: of harmonics, the largest is the grid.
    multiples = sorted(
        (item for item in eligible if item[1] >= NEAR_BEST * best_contrast and _is_multiple(item[0], best_pitch)),
        key=lambda item: -item[0],
    )
    return [(p, profiles) for p, _, profiles in multiples + eligible]


def _plausible(pitch: float, contrast: float, longest: int) -> bool:
    whole = pitch == round(pitch)
    if pitch < SMALL_PITCH:
        return whole and contrast >= SMALL_PITCH_CONTRAST
    if pitch >= LARGE_PITCH and longest >= MIN_SIZE_FRACTIONAL:
        return contrast >= LARGE_PITCH_CONTRAST
    return (whole or longest >= MIN_SIZE_FRACTIONAL) and contrast >= MIN_CONTRAST


def _on_both_axes(profiles: Profiles, pitch: float) -> bool:
    """Whether the edges along each axis show the grid: one long straight edge makes a strong profile on one
    axis that many pitches fit, with noise on the other."""
    empty = np.zeros(0)
    return min(_contrast((profiles[0], empty), pitch), _contrast((empty, profiles[1]), pitch)) >= AXIS_CONTRAST


def _is_multiple(pitch: float, base: float) -> bool:
    """Whether pitch is base times a whole number of at least 2, within 2%."""
    ratio = pitch / base
    return round(ratio) >= 2 and abs(ratio - round(ratio)) <= 0.02 * round(ratio)


def _cells_are_flat(rgba: np.ndarray, grid: Grid) -> bool:
    """Whether the cells are much more uniform than those of the grid shifted by half a cell, along each axis.

    Art at its true resolution can show a grid-like edge profile by chance; sampling across the supposed
    cells tells it apart, since shifting a true grid puts every sample pair astride a cell edge. Each axis is
    shifted on its own, as a grid must show on both: a long straight edge is astride some cells whatever
    the pitch along it.
    """

    if rgba[:, :, 3].min() < 255:
        # Colours under (nearly) no alpha mean nothing and a soft edge's faint pixels carry noise: weigh by alpha.
        rgba = np.concatenate([(rgba[:, :, :3] * (rgba[:, :, 3:] / 255)).astype(np.uint8), rgba[:, :, 3:]], axis=2)

    step = max(1, math.ceil(math.sqrt(grid.width * grid.height / _MAX_CHECKED_CELLS)))  # a fair sample will do

    def disagreement(shift_x: float, shift_y: float, tolerance: float) -> float:
        x0, y0 = grid.offset_x + shift_x * grid.pitch_x, grid.offset_y + shift_y * grid.pitch_y
        xs = _sample_coords(x0, grid.pitch_x, grid.width, rgba.shape[1], _CHECK, step)
        ys = _sample_coords(y0, grid.pitch_y, grid.height, rgba.shape[0], _CHECK, step)
        samples = _gather(rgba, xs, ys)
        return float(1 - mode_share(samples, tolerance).mean())

    def aligned_and_shifted(tolerance: float) -> tuple[float, float]:
        shifted = min(disagreement(0.5, 0.0, tolerance), disagreement(0.0, 0.5, tolerance))
        return disagreement(0.0, 0.0, tolerance), shifted

    ratio = next(limit for below, limit in FLAT_RATIOS if min(grid.pitch_x, grid.pitch_y) < below)
    aligned, shifted = aligned_and_shifted(CELL_TOLERANCE)
    if shifted > 0 and aligned <= ratio * shifted:
        return True
    if shifted < _LOW_CONTRAST_SHARE and min(grid.pitch_x, grid.pitch_y) >= LARGE_PITCH and not on_jpeg_blocks(grid):
        # Dark or low-contrast art: its neighbouring colours are alike at CELL_TOLERANCE, so look closer (the
        # cells of JPEG's block grid are smooth inside too, so it is left out of this closer look).
        aligned, shifted = aligned_and_shifted(FINE_TOLERANCE)
        return shifted > 0 and aligned <= ratio * shifted
    return False


def on_jpeg_blocks(grid: Grid) -> bool:
    """Whether every line of JPEG's 8-pixel block grid is a line of this grid, or the other way round: a whole
    pitch that divides 8 or is a multiple of it, lines through the image's 8-pixel multiples. Such a grid may
    be the compression's rather than the art's."""

    def on_blocks(pitch: float, offset: float) -> bool:
        whole = round(pitch)
        if abs(pitch - whole) >= 0.05 or not (whole % _JPEG_BLOCK == 0 or _JPEG_BLOCK % whole == 0):
            return False
        step = min(whole, _JPEG_BLOCK)
        return abs(offset - step * round(offset / step)) <= 0.5

    return on_blocks(grid.pitch_x, grid.offset_x) and on_blocks(grid.pitch_y, grid.offset_y)


def _peaks(spectrum: np.ndarray, valid: np.ndarray) -> list[int]:
    """Indices of the strongest local maxima of the spectrum within the valid range."""
    s = np.where(valid, spectrum, -1.0)
    left = np.concatenate([[-1.0], s[:-1]])
    right = np.concatenate([s[1:], [-1.0]])
    peak = valid & (s >= left) & (s >= right) & (s >= 0.2 * s.max())
    index = np.flatnonzero(peak)
    return [int(i) for i in index[np.argsort(s[index])[::-1][:_MAX_CANDIDATES]]]


def _strength(profiles: Profiles, freqs: np.ndarray) -> np.ndarray:
    """Sum over both axes of the magnitude of the profile's Fourier component at each frequency."""
    total = np.zeros(len(freqs))
    for p in profiles:
        if p.size:
            b = np.arange(1, p.size + 1)
            total += np.abs(np.exp(-2j * np.pi * freqs[:, None] * b[None, :]) @ (p - p.mean()))
    return total


def _refined(spectrum: np.ndarray, index: int) -> float:
    """The peak's frequency in bins, between bins by a parabola through the peak and its neighbours."""
    if index <= 0 or index >= spectrum.size - 1:
        return float(index)
    left, mid, right = spectrum[index - 1 : index + 2]
    curvature = left - 2 * mid + right
    return index + (0.5 * (left - right) / curvature if curvature < 0 else 0.0)


def _snapped(profiles: Profiles, pitch: float) -> float:
    """The nearest whole pitch when it fits the edges practically as well; most upscales are integer, and a
    small sprite's few edges pin its pitch down only loosely."""
    whole = round(pitch)
    if whole < MIN_PITCH or whole == pitch:
        return pitch
    span = max(p.size for p in profiles)
    if abs(whole - pitch) * span / pitch > pitch / 4:
        return pitch  # the whole pitch's lines would drift a quarter cell off the edges across the image
    s = _strength(profiles, np.array([1 / pitch, 1 / whole]))
    if s[1] >= 0.97 * s[0] or _contrast(profiles, whole) >= 0.95 * _contrast(profiles, pitch):
        return float(whole)
    return pitch


def _phase_offset(profile: np.ndarray, pitch: float) -> float:
    """Position in [0, pitch) of the grid lines that best fit the profile's edges."""
    if profile.size == 0 or pitch <= 1:
        return 0.0
    b = np.arange(1, profile.size + 1)
    z = np.exp(-2j * np.pi * b / pitch) @ (profile - profile.mean())
    return float((-np.angle(z) / (2 * np.pi) * pitch) % pitch)


def _line_distance(length: int, pitch: float, line: float) -> np.ndarray:
    """Distance of each boundary 1..length to the nearest grid line."""
    b = np.arange(1, length + 1)
    phase = (b - line) % pitch
    return np.minimum(phase, pitch - phase)


def _contrast(profiles: Profiles, pitch: float | tuple[float, float]) -> float:
    """Mean edge energy near the grid lines over the mean between them (1 for no grid, large for a grid)."""
    pitches = (pitch, pitch) if isinstance(pitch, (int, float)) else pitch
    on = off = n_on = n_off = 0.0
    for p, pt in zip(profiles, pitches, strict=True):
        if p.size == 0:
            continue
        near = _line_distance(p.size, pt, _phase_offset(p, pt)) <= pt / 4
        on += p[near].sum()
        off += p[~near].sum()
        n_on += near.sum()
        n_off += (~near).sum()
    if n_on == 0 or n_off == 0:
        return 0.0
    eps = 0.02 * (on + off) / (n_on + n_off) + 1e-9
    return float((on / n_on + eps) / (off / n_off + eps))


def _confidence(profiles: Profiles, pitch: tuple[float, float]) -> float:
    """0..1 from the grid's contrast: 0 for none, 0.5 at contrast 2, near 1 for a sharp grid."""
    return round(max(0.0, 1 - 1 / max(_contrast(profiles, pitch), 1e-9)), 3)


def _centred_offset(line: float, pitch: float) -> float:
    """The grid offset for a line position in [0, pitch): the first cell counts if half of it is visible."""
    return line - pitch if line >= pitch / 2 else line


def _cell_count(offset: float, pitch: float, length: int) -> int:
    return max(1, math.floor((length - offset) / pitch - 0.5 + 1e-6) + 1)


def _grid_for(profiles: Profiles, pitch: tuple[float, float], origin: tuple[int, int], size: tuple[int, int]) -> Grid:
    """The grid of that pitch whose lines fit the profiles' edges (profiles start at `origin`)."""
    px, py = pitch
    ox = _centred_offset((_phase_offset(profiles[0], px) + origin[0]) % px, px)
    oy = _centred_offset((_phase_offset(profiles[1], py) + origin[1]) % py, py)
    return Grid(
        px, py, ox, oy, _cell_count(ox, px, size[0]), _cell_count(oy, py, size[1]), _confidence(profiles, pitch)
    )
