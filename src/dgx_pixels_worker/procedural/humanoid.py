"""Front-view chibi characters: knight, wizard, warrior, archer, villager."""

from __future__ import annotations

import numpy as np

from . import shapes as sh
from .canvas import Canvas
from .layout import fit
from .picker import MaterialPicker

SKINS = ("skin_pale", "skin_tan", "skin_brown", "skin_dark")
HAIRS = ("hair_brown", "hair_black", "hair_blonde", "hair_red", "hair_white")
GREEN_SKINNED = frozenset({"orc", "goblin", "zombie"})
ROYAL = frozenset({"king", "queen", "prince", "princess"})


class Body:
    """Proportions of one character, in pixels, sampled from the seed."""

    def __init__(self, cv: Canvas, rng: np.random.Generator, head_top: float = 0.0):
        b = fit(cv, 0.58, 0.74)
        self.b = b
        self.cx = b.cx
        self.head_top = b.y(head_top)
        self.head_bottom = b.y(head_top + rng.uniform(0.38, 0.44) * (1 - head_top * 0.6))
        self.head_hw = b.w(rng.uniform(0.27, 0.31), 2.5)
        self.torso_hw = b.w(rng.uniform(0.17, 0.21), 2.0)
        self.arm_w = b.w(rng.uniform(0.10, 0.13), 1.0)
        self.leg_top = b.y(rng.uniform(0.71, 0.77))
        self.boot_top = b.y(rng.uniform(0.86, 0.90))
        self.bottom = b.bottom
        self.eye_y = self.head_top + (self.head_bottom - self.head_top) * rng.uniform(0.50, 0.58)
        self.eye_dx = max(1.0, self.head_hw * rng.uniform(0.38, 0.48))
        cv.marks.update(
            cx=self.cx,
            torso_hw=self.torso_hw,
            arm_w=self.arm_w,
            head_bottom=self.head_bottom,
            leg_top=self.leg_top,
            boot_top=self.boot_top,
            bottom=self.bottom,
        )

    @property
    def head_cy(self) -> float:
        return (self.head_top + self.head_bottom) / 2

    @property
    def head_ry(self) -> float:
        return (self.head_bottom - self.head_top) / 2


def draw_humanoid(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, variant: str, word: str) -> None:
    skins = ("skin_green",) if word in GREEN_SKINNED else ("bone",) if word == "skeleton" else SKINS
    draw = {"knight": _knight, "wizard": _wizard, "warrior": _warrior, "archer": _archer}.get(variant, _villager)
    draw(cv, rng, pick, skins, word)
    cv.mirror()


def _head(cv: Canvas, body: Body, skin: int) -> np.ndarray:
    mask = sh.rounded_box(cv.g, body.cx, body.head_cy, body.head_hw, body.head_ry)
    cv.paint(mask, skin)
    return mask


def eye_height(body: Body) -> float:
    return max(1.0, round(body.head_hw * 0.24)) if body.b.height >= 40 else 1.0


def _eyes(cv: Canvas, body: Body, pupil: int, white: int | None = None) -> None:
    """Left eye only; the drawing is mirrored afterwards."""
    g = cv.g
    size = max(1.0, round(body.head_hw * 0.17))
    tall = eye_height(body)
    x = round(body.cx - body.eye_dx)
    if white is None and body.b.height >= 48:
        white = cv.slot("eye_white", "eye_white", detail=True)
    if white is not None:  # the white sits on the outer side, so the gaze is straight ahead
        cv.paint(sh.rect(g, x - 2 * size, body.eye_y, x, body.eye_y + tall), white, shade=-1, casts=False)
    cv.paint(sh.rect(g, x - size, body.eye_y, x, body.eye_y + tall), pupil, shade=0, casts=False)


def _torso(cv: Canvas, body: Body, cloth: int, hands: int, flare: float = 0.0, sleeve_extra: float = 0.0) -> None:
    """Arms (their own part, so a contact line separates them from the chest), hands, then the chest."""
    g, cx = cv.g, body.cx
    top, bottom = body.head_bottom - 1, body.leg_top
    sleeves = cv.slot("sleeves", cv.slots[cloth - 1].material)
    arm_x0 = body.torso_hw - 1.0
    arm_x1 = body.torso_hw + body.arm_w + sleeve_extra
    hand_h = max(1.0, round((bottom - top) * 0.16))
    hand_y = bottom - hand_h + (1 if body.b.height >= 40 else 0)
    side = np.abs(g.X - cx)
    cv.paint((side >= arm_x0) & (side < arm_x1) & (g.Y >= top + 1) & (g.Y < hand_y), sleeves)
    cv.paint(
        (side >= arm_x0 + sleeve_extra * 0.5)
        & (side < arm_x1 - sleeve_extra * 0.5)
        & (g.Y >= hand_y)
        & (g.Y < hand_y + hand_h),
        hands,
    )
    cv.paint(sh.trapezoid(g, cx, top, bottom, body.torso_hw, body.torso_hw + flare), cloth)


def _legs(cv: Canvas, body: Body, pants: int, boots: int) -> None:
    g, cx = cv.g, body.cx
    gap = 0.5 if body.b.width < 24 else 1.0
    outer = body.torso_hw - 0.5
    legs = (np.abs(g.X - cx) >= gap) & (np.abs(g.X - cx) < outer) & (g.Y >= body.leg_top) & (g.Y < body.bottom)
    cv.paint(legs, pants)
    boot = (np.abs(g.X - cx) >= gap) & (np.abs(g.X - cx) < outer + 0.5) & (g.Y >= body.boot_top) & (g.Y < body.bottom)
    cv.paint(boot, boots)


def _belt(cv: Canvas, body: Body, trim: int, buckle: int | None) -> None:
    g, cx = cv.g, body.cx
    h = 1.0 if body.b.height < 48 else 2.0
    y = body.leg_top - h
    cv.paint(sh.bar(g, cx, body.torso_hw, y, body.leg_top), trim)
    if buckle is not None and body.b.height >= 40:
        cv.paint(sh.bar(g, cx, 1.0, y, body.leg_top), buckle, shade=-1)


def _knight(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, skins: tuple[str, ...], word: str) -> None:
    g = cv.g
    plume = rng.random() < 0.5
    body = Body(cv, rng, head_top=0.08 if plume else 0.0)
    armor = cv.slot("armor", pick.role(0, ("steel", "iron", "silver", "steel")))
    trim = cv.slot("trim", pick.role(1, ("red", "blue", "gold", "purple", "green", "blood")))
    accent = cv.slot("accent", pick.role(2, ("gold", "red", "blue", "white")))
    under = cv.slot("boots", pick.fixed(("iron", "leather", "black")))
    ink = cv.slot("eye", "ink", detail=True)

    if cv.width >= 24 and rng.random() < 0.5:  # cape behind the body
        cape = sh.trapezoid(
            g, body.cx, body.head_bottom, body.boot_top, body.torso_hw + 1, body.torso_hw + body.arm_w + 1
        )
        cv.paint(cape, trim)
    _legs(cv, body, armor, under)
    _torso(cv, body, armor, armor)
    if rng.random() < 0.6:  # tabard down the chest
        cv.paint(sh.bar(g, body.cx, max(1.0, body.torso_hw * 0.5), body.head_bottom, body.leg_top), trim)
    _belt(cv, body, under, accent)
    pauldron_r = body.arm_w * 0.9 + 0.5
    pauldron = sh.ellipse(
        g, body.cx - body.torso_hw - body.arm_w * 0.4, body.head_bottom + pauldron_r * 0.5, pauldron_r + 0.5, pauldron_r
    )
    cv.paint(pauldron, armor)

    helm = rng.integers(3)
    head = sh.rounded_box(g, body.cx, body.head_cy, body.head_hw, body.head_ry)
    if helm == 0:  # great helm with a visor slit
        cv.paint(head, armor)
        slit_h = 1.0 if body.b.height < 40 else 2.0
        cv.paint(sh.bar(g, body.cx, body.head_hw * 0.72, body.eye_y, body.eye_y + slit_h), ink, shade=0, casts=False)
        if body.b.height >= 40:
            cv.paint(sh.bar(g, body.cx, 0.5 + (cv.width % 2) * 0.5, body.head_top + 1, body.eye_y), trim, casts=False)
    else:  # open helm: face shows, nose guard
        cv.paint(head, cv.slot("skin", pick.fixed(skins)))
        _eyes(cv, body, ink)
        cap = head & (g.Y < body.eye_y - (1 if body.b.height < 40 else 2))
        cheek = head & (np.abs(g.X - body.cx) > body.head_hw * 0.62)
        cv.paint(cap | cheek, armor)
        if helm == 2:  # horns
            horn_r = max(1.0, body.head_hw * 0.28)
            hx = body.cx - body.head_hw - horn_r * 0.2
            horn = sh.segment(g, hx, body.head_cy - 1, hx - horn_r * 0.3, body.head_top - 0.5, horn_r * 0.7)
            cv.paint(horn & (g.Y >= body.b.top), cv.slot("horn", pick.fixed(("bone", "white"))))
    if plume:
        py = body.head_top - body.b.h(0.04, 1.0)
        cv.paint(sh.ellipse(g, body.cx, py, max(1.0, body.head_hw * 0.35), body.b.h(0.07, 1.0)), accent)


def _wizard(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, skins: tuple[str, ...], word: str) -> None:
    g = cv.g
    body = Body(cv, rng, head_top=rng.uniform(0.22, 0.28))
    robe = cv.slot("robe", pick.role(0, ("purple", "blue", "red", "green", "navy", "shadow")))
    trim = cv.slot("trim", pick.role(1, ("gold", "silver", "white", "yellow")))
    accent = cv.slot("accent", pick.role(2, ("yellow", "cyan", "gold", "crystal")))
    skin = cv.slot("skin", pick.fixed(skins))
    beard = cv.slot("beard", pick.fixed(("hair_white", "hair_white", "grey", "hair_brown")))
    ink = cv.slot("eye", "ink", detail=True)

    _torso(cv, body, robe, skin, flare=body.b.w(0.08), sleeve_extra=body.b.w(0.04))
    hem = body.b.bottom
    robe_mask = sh.trapezoid(
        g, body.cx, body.leg_top - 1, hem, body.torso_hw + body.b.w(0.08), body.torso_hw + body.b.w(0.13)
    )
    cv.paint(robe_mask, robe)
    cv.paint(robe_mask & (g.Y >= hem - max(1.0, body.b.h(0.04))), trim)
    _belt(cv, body, trim, accent)
    _head(cv, body, skin)
    _eyes(cv, body, ink)
    if rng.random() < 0.7:
        beard_top = body.eye_y + eye_height(body) + max(1.0, round(body.head_ry * 0.12))
        beard_bottom = body.head_bottom + (body.leg_top - body.head_bottom) * rng.uniform(0.3, 0.7)
        cv.paint(sh.trapezoid(g, body.cx, beard_top, beard_bottom, body.head_hw * 0.8, body.head_hw * 0.25), beard)
    brim_y = body.head_top + max(1.0, body.head_ry * 0.35)
    brim = sh.ellipse(g, body.cx, brim_y, body.head_hw * 1.35, max(1.0, body.b.h(0.035)))
    cone = sh.trapezoid(g, body.cx, body.b.top, brim_y, 0.6, body.head_hw * 0.95)
    cv.paint(cone | brim, robe)
    band_h = max(1.0, body.b.h(0.035))
    cv.paint(cone & (g.Y >= brim_y - band_h - 1) & (g.Y < brim_y - 1), trim)
    if body.b.height >= 40:
        star = max(1.0, round(body.b.width * 0.03))
        star_y = round((body.b.top + brim_y) / 2)
        cv.paint(sh.bar(g, body.cx, star, star_y, star_y + 2 * star) & cone, accent, shade=-1, casts=False)


def _warrior(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, skins: tuple[str, ...], word: str) -> None:
    g = cv.g
    body = Body(cv, rng, head_top=0.06)
    vest = cv.slot("vest", pick.role(0, ("leather", "brown", "red", "iron", "blood")))
    trim = cv.slot("trim", pick.role(1, ("iron", "bronze", "gold", "steel")))
    pants = cv.slot("pants", pick.role(2, ("brown", "navy", "black", "green")))
    skin = cv.slot("skin", pick.fixed(skins))
    boots = cv.slot("boots", pick.fixed(("leather", "black", "brown")))
    ink = cv.slot("eye", "ink", detail=True)

    _legs(cv, body, pants, boots)
    _torso(cv, body, skin, skin)
    cv.paint(sh.trapezoid(g, body.cx, body.head_bottom - 1, body.leg_top, body.torso_hw, body.torso_hw), vest)
    cv.paint(
        sh.bar(
            g,
            body.cx - body.torso_hw - body.arm_w / 2,
            body.arm_w / 2 + 0.5,
            body.leg_top - body.b.h(0.12, 1.0),
            body.leg_top - body.b.h(0.06, 1.0),
        ),
        trim,
    )
    _belt(cv, body, trim, None)
    _head(cv, body, skin)
    _eyes(cv, body, ink)
    if rng.random() < 0.5:  # horned helmet
        head = sh.rounded_box(g, body.cx, body.head_cy, body.head_hw, body.head_ry)
        cv.paint(head & (g.Y < body.eye_y - 1), trim)
        horn_r = max(1.0, body.head_hw * 0.25)
        hx = body.cx - body.head_hw
        horn = sh.segment(g, hx + horn_r, body.eye_y - 2, hx - horn_r, body.b.top + horn_r * 0.5, horn_r)
        cv.paint(horn & (g.Y >= body.b.top), cv.slot("horn", pick.fixed(("bone", "white"))))
    else:
        hair = cv.slot("hair", pick.fixed(HAIRS))
        head = sh.rounded_box(g, body.cx, body.head_cy, body.head_hw + 0.5, body.head_ry + 0.5)
        cv.paint(head & (g.Y < body.eye_y - 1), hair)
        cv.paint(head & (np.abs(g.X - body.cx) > body.head_hw * 0.75) & (g.Y < body.eye_y + 1), hair)
        if rng.random() < 0.6:
            band_y = body.eye_y - 2 - (1 if body.b.height >= 48 else 0)
            cv.paint(head & (g.Y >= band_y) & (g.Y < band_y + 1), trim)


def _archer(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, skins: tuple[str, ...], word: str) -> None:
    g = cv.g
    body = Body(cv, rng, head_top=0.04)
    hood = cv.slot("hood", pick.role(0, ("forest", "green", "brown", "shadow", "navy")))
    tunic = cv.slot("tunic", pick.role(1, ("leather", "brown", "green", "teal")))
    trim = cv.slot("trim", pick.role(2, ("gold", "leather", "bronze", "silver")))
    skin = cv.slot("skin", pick.fixed(skins))
    boots = cv.slot("boots", pick.fixed(("leather", "brown", "black")))
    ink = cv.slot("eye", "ink", detail=True)

    cloak = sh.trapezoid(
        g,
        body.cx,
        body.head_bottom - 1,
        body.boot_top + 1,
        body.torso_hw + body.arm_w * 0.6,
        body.torso_hw + body.arm_w + body.b.w(0.05),
    )
    cv.paint(cloak, hood)
    _legs(cv, body, tunic, boots)
    _torso(cv, body, tunic, skin)
    _belt(cv, body, trim, trim)
    hood_mask = sh.rounded_box(g, body.cx, body.head_cy, body.head_hw + 0.5, body.head_ry + 0.5)
    cv.paint(hood_mask, hood)
    face = sh.ellipse(g, body.cx, body.eye_y + 1, body.head_hw * 0.7, body.head_ry * 0.62)
    cv.paint(face & hood_mask, skin)
    _eyes(cv, body, ink)
    if rng.random() < 0.5 and body.b.height >= 32:  # pointed hood tip
        cv.paint(sh.trapezoid(g, body.cx, body.b.top, body.head_top + 1, 0.6, body.head_hw * 0.5), hood)


def _villager(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, skins: tuple[str, ...], word: str) -> None:
    g = cv.g
    royal = word in ROYAL
    body = Body(cv, rng, head_top=0.1 if royal else 0.02)
    tunic = cv.slot("tunic", pick.role(0, ("blue", "red", "green", "teal", "orange", "purple", "brown")))
    pants = cv.slot("pants", pick.role(1, ("brown", "navy", "leather", "grey")))
    accent = cv.slot("accent", pick.role(2, ("gold", "white", "leather", "yellow")))
    skin = cv.slot("skin", pick.fixed(skins))
    hair = cv.slot("hair", pick.fixed(HAIRS))
    boots = cv.slot("boots", pick.fixed(("leather", "brown", "black")))
    ink = cv.slot("eye", "ink", detail=True)

    long_hair = rng.random() < 0.4
    head_big = sh.rounded_box(g, body.cx, body.head_cy, body.head_hw + 0.5, body.head_ry + 0.5)
    if long_hair:
        cv.paint(sh.bar(g, body.cx, body.head_hw + 0.5, body.head_cy, body.head_bottom + body.b.h(0.12)), hair)
    _legs(cv, body, pants, boots)
    _torso(cv, body, tunic, skin)
    _belt(cv, body, accent, None)
    _head(cv, body, skin)
    _eyes(cv, body, ink)
    fringe = body.eye_y - (1 if body.b.height < 40 else 2) - rng.integers(0, 2)
    cv.paint(head_big & (g.Y < fringe), hair)
    cv.paint(
        head_big & (np.abs(g.X - body.cx) > body.head_hw * 0.72) & (g.Y < body.eye_y + (2 if long_hair else 0)), hair
    )
    if royal:
        crown_h = max(2.0, body.b.h(0.1))
        crown = sh.bar(g, body.cx, body.head_hw * 0.75, body.head_top - crown_h + 1, body.head_top + 1)
        notch = (np.abs(g.X - body.cx) % max(2.0, body.head_hw * 0.5) < 1.0) & (g.Y < body.head_top - crown_h * 0.4)
        cv.paint(crown & ~notch, cv.slot("crown", pick.fixed(("gold", "gold", "silver"))))
