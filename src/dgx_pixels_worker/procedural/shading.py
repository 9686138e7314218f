"""Shade indices from the label map: light from the top-left (top-front for symmetric sprites).

Each pixel compares its neighbourhood with its own part: more of the part below/right means the
pixel sits on a top/left edge facing the light.  Integer counts keep the result exact.
"""

from __future__ import annotations

import numpy as np

from .canvas import AUTO, Canvas, padded


def _gradients(labels: np.ndarray, step: int, reach: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Signed counts of same-label pixels right-minus-left and below-minus-above."""
    h, w = labels.shape
    labels = labels.astype(np.uint8)
    pad = step * reach
    big = padded(labels, pad)
    gx = np.zeros((h, w), dtype=np.int16)
    gy = np.zeros((h, w), dtype=np.int16)
    for ky in range(-reach, reach + 1):
        for kx in range(-reach, reach + 1):
            if kx == 0 and ky == 0:
                continue
            oy, ox = pad + ky * step, pad + kx * step
            same = big[oy : oy + h, ox : ox + w] == labels
            if kx:
                gx += same * np.int16(kx)
            if ky:
                gy += same * np.int16(ky)
    norm = (2 * reach + 1) * reach * (reach + 1) // 2
    return gx, gy, norm


def _runs(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each pixel, how many same-label pixels run before and after it along each row."""
    h, w = labels.shape
    idx = np.broadcast_to(np.arange(w), (h, w))
    change = np.ones((h, w), dtype=bool)
    change[:, 1:] = labels[:, 1:] != labels[:, :-1]
    before = idx - np.maximum.accumulate(np.where(change, idx, 0), axis=1)
    change_r = np.ones((h, w), dtype=bool)
    change_r[:, :-1] = labels[:, :-1] != labels[:, 1:]
    last = np.minimum.accumulate(np.where(change_r, idx, w)[:, ::-1], axis=1)[:, ::-1]
    after = last - idx
    return before, after


def shade_map(cv: Canvas, symmetric: bool) -> np.ndarray:
    labels = cv.labels
    h, w = labels.shape
    fx, fy, fn = _gradients(labels, 1, 1)  # one-pixel rim light and shadow
    step = max(1, min(w, h) // 16)
    cx, cy, cn = _gradients(labels != 0, step, 2)  # volume of the whole silhouette
    left, right = _runs(labels)
    top, bottom = (a.T for a in _runs(labels.T))
    across = (left - right) / (left + right + 1)  # -1 at a part's left edge, +1 at its right edge
    down = (top - bottom) / (top + bottom + 1)
    if symmetric:  # light from the top-front keeps the shading mirror-symmetric
        light = (
            0.30 * (fy / fn)
            - 0.12 * (np.abs(fx) / fn)
            + 0.15 * (cy / cn)
            - 0.10 * (np.abs(cx) / cn)
            + 0.25 * (0.5 - np.abs(across))
            - 0.20 * down
        )
    else:  # light from the top-left
        light = 0.30 * ((fx + fy) / fn) + 0.15 * ((cx + cy) / cn) + 0.25 * (0.6 - np.abs(across + 0.4)) - 0.20 * down
    light = light + 0.10 * (0.5 - (np.arange(h, dtype=np.float64)[:, None] + 0.5) / h)
    levels = np.array([-0.42, -0.08, 0.34]) if cv.shades == 4 else np.array([-0.45, -0.12, 0.22, 0.55])
    shade = np.searchsorted(levels, light.ravel(), side="right").reshape(h, w).astype(np.int8)

    shade = np.where(_contact_lines(cv), 0, shade)
    return np.where(cv.fixed != AUTO, cv.fixed, shade).astype(np.int8)


def _contact_lines(cv: Canvas) -> np.ndarray:
    """Pixels of a part that touch a part painted in front of it get the darkest shade."""
    labels, depth, casts = cv.labels, cv.depth, cv.casts
    h, w = labels.shape
    lp = padded(labels, 1)
    dp = padded(depth, 1)
    cp = padded(casts, 1)
    line = np.zeros((h, w), dtype=bool)
    for oy, ox in ((0, 1), (2, 1), (1, 0), (1, 2)):
        nl = lp[oy : oy + h, ox : ox + w]
        line |= (nl != labels) & (nl != 0) & (dp[oy : oy + h, ox : ox + w] > depth) & cp[oy : oy + h, ox : ox + w]
    return line & (labels != 0)
