"""An image's quality figures against the `[lint]` thresholds: which checks fail and by how much, and the
compact line the gallery and the CLI show. Plain Python, so the gallery can use it without loading more."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dgx_pixels_worker.settings.config import LintSettings

Figures = Mapping[str, Any]  # ImageLint's fields, as the image's params hold them


@dataclass(frozen=True)
class Failure:
    check: str  # the ImageLint field
    value: float
    limit: float
    message: str  # which check, the figure, the limit and the setting that sets it

    @property
    def brief(self) -> str:
        """The figure against its limit in a few characters: "grid 0.12 < 0.25", "70 colours > 64"."""
        return BRIEF[self.check].format(value=self.value, limit=self.limit)


BRIEF = {
    "colors": "{value:.0f} colours > {limit:.0f}",
    "off_palette": "{value:.1%} off palette > {limit:.1%}",
    "orphans": "{value:.0%} orphans > {limit:.0%}",
    "semi_transparent": "{value:.1%} semi-transparent > {limit:.1%}",
    "grid_fit": "grid {value:.2f} < {limit:.2f}",
    "seam": "seam {value:.2f} > {limit:.2f}",
}


def failures(lint: Figures, limits: LintSettings) -> list[Failure]:
    """The checks `lint` fails, in the order the figures are shown. A figure that does not apply (no locked
    palette, no grid step, not a tile) fails nothing."""
    colors, orphans, opaque = int(lint.get("colors", 0)), int(lint.get("orphans", 0)), int(lint.get("opaque", 0))
    share = orphans / opaque if opaque else 0.0
    off, fit, seam = lint.get("off_palette"), lint.get("grid_fit"), lint.get("seam")
    soft = float(lint.get("semi_transparent", 0.0))
    found = []
    if colors > limits.max_colors:
        excess = colors - limits.max_colors
        text = f"{colors} colours, {excess} more than the {limits.max_colors} allowed ([lint] max_colors)"
        found.append(Failure("colors", colors, limits.max_colors, text))
    if off is not None and off > limits.max_off_palette:
        text = f"{_percent(off)} of opaque pixels off the locked palette, above the {_percent(limits.max_off_palette)}"
        found.append(Failure("off_palette", off, limits.max_off_palette, f"{text} allowed ([lint] max_off_palette)"))
    if share > limits.max_orphans:
        text = f"{orphans} orphan pixels, {_percent(share)} of opaque pixels, above the {_percent(limits.max_orphans)}"
        found.append(Failure("orphans", share, limits.max_orphans, f"{text} allowed ([lint] max_orphans)"))
    if soft > limits.max_semi_transparent:
        text = f"{_percent(soft)} of pixels semi-transparent, above the {_percent(limits.max_semi_transparent)}"
        text += " allowed ([lint] max_semi_transparent)"
        found.append(Failure("semi_transparent", soft, limits.max_semi_transparent, text))
    if fit is not None and fit < limits.min_grid_fit:
        text = f"grid fit {fit:.2f}, {limits.min_grid_fit - fit:.2f} below the {limits.min_grid_fit:.2f} needed"
        found.append(Failure("grid_fit", fit, limits.min_grid_fit, f"{text} ([lint] min_grid_fit)"))
    if seam is not None and seam > limits.max_seam:
        text = f"seam score {seam:.2f}, {seam - limits.max_seam:.2f} above the {limits.max_seam:.2f} allowed"
        found.append(Failure("seam", seam, limits.max_seam, f"{text} ([lint] max_seam)"))
    return found


def summary(lint: Figures, failing: Collection[str] = (), markup: bool = False) -> str:
    """ "12 colours · 0% off palette · 3 orphans · grid 0.92 · seam 0.80": the figures that apply, each check in
    `failing` marked ✗ (and red with `markup`, for Rich)."""
    parts: list[tuple[str, str]] = [("colors", f"{lint.get('colors', 0)} colours")]
    if lint.get("off_palette") is not None:
        parts.append(("off_palette", f"{_percent(lint['off_palette'])} off palette"))
    parts.append(("orphans", f"{lint.get('orphans', 0)} orphans"))
    if lint.get("semi_transparent") or "semi_transparent" in failing:
        parts.append(("semi_transparent", f"{_percent(lint['semi_transparent'])} semi-transparent"))
    if lint.get("grid_fit") is not None:
        parts.append(("grid_fit", f"grid {lint['grid_fit']:.2f}"))
    if lint.get("seam") is not None:
        parts.append(("seam", f"seam {lint['seam']:.2f}"))
    shown = []
    for check, text in parts:
        if check in failing:
            text = f"[b red]✗ {text}[/]" if markup else f"✗ {text}"
        shown.append(text)
    return " · ".join(shown)


def figures_of_png(png: bytes, params: Figures) -> dict[str, Any]:
    """The figures of an image stored without them (made before they existed), computed here from its PNG: as a
    tile when its params say so, the grid fit from its step record. Such images predate palette locks."""
    import io

    from PIL import Image

    from dgx_pixels_worker.pixelart.lint import lint_image

    with Image.open(io.BytesIO(png)) as image:
        figures = lint_image(image, (), bool(params.get("tile")), params.get("postprocess") or ())
    return figures.to_dict()


def _percent(share: float) -> str:
    """A share as a percentage short enough for one line: 0%, 0.4%, 12%."""
    percent = share * 100
    if percent == 0:
        return "0%"
    if percent < 10:
        return f"{percent:.1f}".rstrip("0").rstrip(".") + "%"
    return f"{percent:.0f}%"
