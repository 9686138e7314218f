"""From prompt words to a plan: which subject to draw, whether it is a tile, and which materials."""

from __future__ import annotations

from dataclasses import dataclass

from . import vocabulary as voc
from .palettes import MATERIALS, families
from .seeding import index_for
from .validation import check_seed, check_text

SYMMETRIC_SUBJECTS = frozenset({"humanoid", "bottle", "gem", "chest", "shield", "coin", "heart", "tree", "mushroom"})
SYMMETRIC_CREATURES = frozenset({"blob", "monster", "winged"})

# What an empty or unrecognised prompt can turn into, chosen by the seed.
SEEDED_SUBJECTS: tuple[tuple[str, str, str], ...] = (
    ("humanoid", "knight", "knight"),
    ("humanoid", "wizard", "wizard"),
    ("humanoid", "warrior", "warrior"),
    ("humanoid", "archer", "archer"),
    ("humanoid", "villager", "villager"),
    ("blade", "sword", "sword"),
    ("blade", "axe", "axe"),
    ("blade", "dagger", "dagger"),
    ("blade", "spear", "spear"),
    ("bottle", "potion", "potion"),
    ("gem", "gem", "gem"),
    ("chest", "chest", "chest"),
    ("chest", "crate", "crate"),
    ("creature", "blob", "slime"),
    ("creature", "monster", "monster"),
    ("creature", "winged", "bat"),
    ("creature", "winged", "dragon"),
    ("creature", "quadruped", "wolf"),
    ("shield", "shield", "shield"),
    ("key", "key", "key"),
    ("coin", "coin", "coin"),
    ("heart", "heart", "heart"),
    ("tree", "tree", "tree"),
    ("mushroom", "mushroom", "mushroom"),
)


@dataclass(frozen=True)
class SpritePlan:
    subject: str  # "humanoid", "blade", "bottle", "gem", "chest", "creature", "shield", "key", "coin", ...
    tile: bool  # True for opaque seamless tiles
    symmetric: bool  # mirror-symmetric about the vertical axis
    materials: tuple[str, ...]  # colour/material words recognised, in prompt order
    summary: str  # one line for humans


@dataclass(frozen=True)
class Blueprint:
    """The plan plus what the renderer needs: design variant, the word that chose it, exclusions."""

    plan: SpritePlan
    variant: str  # design inside the subject: "knight", "axe", "blob", "grass", ...
    word: str  # the prompt word that chose the subject ("mage", "ruby", ...)
    words: tuple[str, ...]  # canonical prompt tokens
    excluded_materials: frozenset[str]
    excluded_families: frozenset[str]
    ground: str = ""  # a subject asked for as a tile: the tile kind it is repeated on ("" when no seed chose it)

    def allows(self, material: str) -> bool:
        return material not in self.excluded_materials and not (set(families(material)) & self.excluded_families)


def plan_sprite(prompt: str, negative: str = "", seed: int | None = None, *, tile: bool = False) -> SpritePlan:
    """What the generator will draw for this prompt; `tile` asks for a seamless tile whatever the prompt.

    A prompt without a subject word leaves the subject to the seed: pass `seed` to learn it,
    otherwise the plan says subject "random".
    """
    prompt = check_text(prompt, "prompt")
    negative = check_text(negative, "negative prompt")
    return blueprint(prompt, negative, None if seed is None else check_seed(seed), tile=tile).plan


def blueprint(prompt: str, negative: str = "", seed: int | None = None, *, tile: bool = False) -> Blueprint:
    """The plan and what the renderer needs. With `tile`, a prompt that names a tile kind or a material that
    makes one ("lava", "fire") is that tile, one that names no subject is a tile of a kind the seed picks, and a
    subject ("coin", "knight") becomes a pattern: the subject repeated on a tile of a kind the prompt names or
    the seed picks."""
    toks = voc.tokens(prompt)
    neg = voc.tokens(negative)
    ex_fam = frozenset(voc.FAMILY_ALIASES.get(w, w) for w in neg if w in voc.COLOUR_FAMILIES or w in voc.FAMILY_ALIASES)
    ex_mat = frozenset(voc.MATERIAL_WORDS[w] for w in neg if w in voc.MATERIAL_WORDS)

    def allowed(m: str) -> bool:
        return m not in ex_mat and not (set(families(m)) & ex_fam)

    materials: list[str] = []
    for w in toks:
        m = voc.MATERIAL_WORDS.get(w)
        if m is not None and m in MATERIALS and allowed(m) and m not in materials:
            materials.append(m)

    # A tile request reads the prompt as if it said "tile": a subject word still wins, and becomes a pattern.
    subject, variant, word = _subject([*toks, "tile"] if tile else toks, materials, seed)
    ground = _ground(toks, seed) if tile and subject != "tile" else ""
    symmetric = subject in SYMMETRIC_SUBJECTS or (subject == "creature" and variant in SYMMETRIC_CREATURES)
    summary = _summary(subject, variant, word, materials)
    if tile and subject != "tile":
        summary = f"seamless tile: {summary}, repeated on {ground or 'ground the seed picks'}"
    plan = SpritePlan(
        subject=subject,
        tile=tile or subject == "tile",
        symmetric=symmetric,
        materials=tuple(materials),
        summary=summary,
    )
    return Blueprint(plan, variant, word, tuple(toks), ex_mat, ex_fam, ground)


def _ground(toks: list[str], seed: int | None) -> str:
    """The tile kind a pattern's subject is repeated on: the first kind the prompt names, else the seed's."""
    kind = next((voc.TILE_KIND_WORDS[w] for w in toks if w in voc.TILE_KIND_WORDS), "")
    if kind or seed is None:
        return kind
    return voc.TILE_KINDS[index_for(len(voc.TILE_KINDS), "tile-ground", seed)]


def unused_words(prompt: str, negative: str = "") -> tuple[str, ...]:
    """The prompt's words that change nothing in the sprite, each once, lower case, in prompt order: words the
    generator does not know ("spaceship"), another subject after the first ("archer" in "skeleton archer"), a tile kind
    the subject leaves out, a colour the negative prompt rules out. Grammar and what every sprite already is
    ("a", "with", "pixel art") are not listed. The seed never changes which words are used."""
    bp = blueprint(check_text(prompt, "prompt"), check_text(negative, "negative prompt"))
    used = {bp.word}
    if bp.plan.tile:
        used |= {w for w in bp.words if w in voc.TILE_MARKERS}
        used |= {next((w for w in bp.words if w in voc.TILE_KIND_WORDS), "")}
    unused: list[str] = []
    for word, token in zip(voc.words(prompt), bp.words, strict=True):
        if token in used or voc.MATERIAL_WORDS.get(token) in bp.plan.materials:
            continue
        if voc.SUBJECT_WORDS.get(token) == (bp.plan.subject, bp.variant):  # "armour" beside "knight" says it again
            continue
        if word not in voc.FILLER and token not in voc.FILLER and word not in unused:
            unused.append(word)
    return tuple(unused)


def _subject(toks: list[str], materials: list[str], seed: int | None) -> tuple[str, str, str]:
    for w in toks:
        if w in voc.SUBJECT_WORDS:
            subject, variant = voc.SUBJECT_WORDS[w]
            return subject, variant, w
    kinds = [voc.TILE_KIND_WORDS[w] for w in toks if w in voc.TILE_KIND_WORDS]
    if any(w in voc.TILE_MARKERS for w in toks):
        kind = (
            kinds[0]
            if kinds
            else next((voc.MATERIAL_TILE_KIND[m] for m in materials if m in voc.MATERIAL_TILE_KIND), "")
        )
        if not kind:
            if seed is None:
                return "tile", "", ""
            kind = voc.TILE_KINDS[index_for(len(voc.TILE_KINDS), "tile-kind", seed)]
        return "tile", kind, kind
    for w in toks:
        if w in voc.GEM_WORDS:
            return "gem", "gem", w
    if kinds:
        return "tile", kinds[0], kinds[0]
    if seed is None:
        return "random", "", ""
    return SEEDED_SUBJECTS[index_for(len(SEEDED_SUBJECTS), "subject", seed)]


def _summary(subject: str, variant: str, word: str, materials: list[str]) -> str:
    if subject == "random":
        head = "subject picked by the seed (no subject word recognised)"
    elif subject == "tile":
        head = f"seamless tile ({variant})" if variant else "seamless tile (kind picked by the seed)"
    elif subject == "creature":
        head = f"creature ({word}, {variant})" if word != variant else f"creature ({variant})"
    elif word and word != subject:
        head = f"{subject} ({word})"
    else:
        head = subject
    if not materials:
        return f"{head}, colours picked by the seed"
    names = list(materials)
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{head} in {joined}"
