"""Prompt words the generator understands: subjects, tile kinds, colours and materials."""

from __future__ import annotations

import re

# word -> (subject, variant).  The variant picks a design inside the subject.
_SUBJECT_GROUPS: dict[tuple[str, str], tuple[str, ...]] = {
    ("humanoid", "knight"): ("knight", "paladin", "soldier", "guard", "templar", "crusader", "armor", "armour"),
    ("humanoid", "wizard"): (
        "wizard",
        "mage",
        "sorcerer",
        "sorceress",
        "witch",
        "warlock",
        "necromancer",
        "druid",
        "priest",
        "priestess",
        "cleric",
        "shaman",
        "magician",
        "enchanter",
    ),
    ("humanoid", "warrior"): ("warrior", "fighter", "barbarian", "viking", "gladiator", "berserker", "orc", "dwarf"),
    ("humanoid", "archer"): ("archer", "ranger", "hunter", "rogue", "thief", "assassin", "ninja", "elf", "bandit"),
    ("humanoid", "villager"): (
        "villager",
        "farmer",
        "peasant",
        "merchant",
        "person",
        "human",
        "man",
        "woman",
        "boy",
        "girl",
        "npc",
        "character",
        "player",
        "adventurer",
        "hero",
        "heroine",
        "king",
        "queen",
        "prince",
        "princess",
        "zombie",
        "skeleton",
        "goblin",
        "citizen",
        "people",
        "kid",
        "child",
    ),
    ("blade", "sword"): (
        "sword",
        "blade",
        "katana",
        "sabre",
        "saber",
        "longsword",
        "broadsword",
        "greatsword",
        "rapier",
        "scimitar",
        "cutlass",
        "claymore",
    ),
    ("blade", "dagger"): ("dagger", "knife", "dirk", "kunai", "stiletto", "shiv"),
    ("blade", "axe"): ("axe", "hatchet", "battleaxe", "tomahawk", "cleaver"),
    ("blade", "spear"): ("spear", "lance", "pike", "halberd", "trident", "javelin", "polearm", "glaive"),
    ("bottle", "potion"): ("potion", "flask", "vial", "bottle", "elixir", "tonic", "philter", "brew", "phial"),
    ("gem", "gem"): ("gem", "gemstone", "jewel", "jewels", "gemstones"),
    ("chest", "chest"): ("chest", "treasure", "coffer", "trunk", "loot"),
    ("chest", "crate"): ("crate", "box", "container"),
    ("creature", "blob"): ("slime", "blob", "ooze", "jelly", "goo", "gel"),
    ("creature", "monster"): (
        "monster",
        "creature",
        "critter",
        "enemy",
        "mob",
        "golem",
        "ghost",
        "beholder",
        "cyclops",
    ),
    ("creature", "winged"): (
        "bat",
        "dragon",
        "wyvern",
        "drake",
        "demon",
        "imp",
        "gargoyle",
        "bird",
        "owl",
        "griffin",
        "gryphon",
        "phoenix",
        "fairy",
        "devil",
        "harpy",
    ),
    ("creature", "quadruped"): (
        "wolf",
        "dog",
        "fox",
        "cat",
        "bear",
        "boar",
        "rat",
        "horse",
        "lion",
        "tiger",
        "deer",
        "hound",
        "pig",
        "cow",
        "sheep",
        "beast",
        "lizard",
        "puppy",
        "kitten",
        "mouse",
        "goat",
        "pony",
        "animal",
    ),
    ("shield", "shield"): ("shield", "buckler", "aegis", "escutcheon"),
    ("key", "key"): ("key", "keys"),
    ("coin", "coin"): ("coin", "money", "token", "medallion", "medal"),
    ("heart", "heart"): ("heart", "life", "health", "love"),
    ("tree", "tree"): ("tree", "oak", "pine", "bush", "fir", "spruce", "birch", "shrub"),
    ("mushroom", "mushroom"): ("mushroom", "toadstool", "fungus", "shroom", "mushrooms"),
}

SUBJECT_WORDS: dict[str, tuple[str, str]] = {word: key for key, words in _SUBJECT_GROUPS.items() for word in words}

# Gem names are colours too: on their own they mean a gem, next to another subject a colour.
GEM_WORDS: frozenset[str] = frozenset(
    {"ruby", "sapphire", "emerald", "amethyst", "topaz", "diamond", "crystal", "amber", "jade", "opal", "obsidian"}
)

# Tile kinds and the words that select them.
TILE_KIND_WORDS: dict[str, str] = {
    "grass": "grass",
    "grassy": "grass",
    "meadow": "grass",
    "lawn": "grass",
    "field": "grass",
    "stone": "stone",
    "cobblestone": "stone",
    "cobble": "stone",
    "rock": "stone",
    "rocky": "stone",
    "pavement": "stone",
    "floor": "stone",
    "water": "water",
    "ocean": "water",
    "sea": "water",
    "lake": "water",
    "river": "water",
    "pond": "water",
    "sand": "sand",
    "sandy": "sand",
    "beach": "sand",
    "desert": "sand",
    "dune": "sand",
    "dirt": "dirt",
    "soil": "dirt",
    "mud": "dirt",
    "earth": "dirt",
    "ground": "dirt",
    "path": "dirt",
    "lava": "lava",
    "magma": "lava",
    "brick": "brick",
    "bricks": "brick",
    "wall": "brick",
    "masonry": "brick",
    "wood": "wood",
    "wooden": "wood",
    "plank": "wood",
    "planks": "wood",
    "floorboard": "wood",
    "boards": "wood",
    "snow": "snow",
    "snowy": "snow",
    "ice": "ice",
    "icy": "ice",
    "frozen": "ice",
}
TILE_KINDS: tuple[str, ...] = ("grass", "stone", "water", "sand", "dirt", "lava", "brick", "wood", "snow", "ice")

# Words that ask for a tile even when they name no kind.
TILE_MARKERS: frozenset[str] = frozenset(
    {"tile", "tiles", "tileable", "texture", "seamless", "terrain", "tileset", "pattern", "background"}
)

# Material used for a tile kind when the prompt names no colour.
TILE_KIND_MATERIAL: dict[str, str] = {
    "grass": "grass",
    "stone": "stone",
    "water": "water",
    "sand": "sand",
    "dirt": "dirt",
    "lava": "lava",
    "brick": "brick",
    "wood": "wood",
    "snow": "snow",
    "ice": "ice",
}
# Tile kind implied by a material in a prompt such as "fire tile".
MATERIAL_TILE_KIND: dict[str, str] = {
    "fire": "lava",
    "lava": "lava",
    "ice": "ice",
    "snow": "snow",
    "water": "water",
    "stone": "stone",
    "wood": "wood",
    "forest": "grass",
    "grass": "grass",
    "sand": "sand",
    "dirt": "dirt",
    "brick": "brick",
}

# word -> canonical material (a palette ramp name, see palettes.MATERIALS).
MATERIAL_WORDS: dict[str, str] = {
    "fire": "fire",
    "flame": "fire",
    "flaming": "fire",
    "fiery": "fire",
    "burning": "fire",
    "inferno": "fire",
    "blaze": "fire",
    "ember": "fire",
    "embers": "fire",
    "infernal": "fire",
    "ice": "ice",
    "icy": "ice",
    "frost": "ice",
    "frosty": "ice",
    "frozen": "ice",
    "glacier": "ice",
    "glacial": "ice",
    "cold": "ice",
    "gold": "gold",
    "golden": "gold",
    "gilded": "gold",
    "silver": "silver",
    "silvery": "silver",
    "platinum": "silver",
    "mithril": "silver",
    "iron": "iron",
    "steel": "steel",
    "metal": "steel",
    "metallic": "steel",
    "forest": "forest",
    "nature": "forest",
    "leaf": "forest",
    "leafy": "forest",
    "woodland": "forest",
    "moss": "forest",
    "mossy": "forest",
    "jungle": "forest",
    "verdant": "forest",
    "elven": "forest",
    "poison": "poison",
    "poisonous": "poison",
    "toxic": "poison",
    "venom": "poison",
    "venomous": "poison",
    "acid": "poison",
    "acidic": "poison",
    "plague": "poison",
    "shadow": "shadow",
    "shadowy": "shadow",
    "dark": "shadow",
    "void": "shadow",
    "necrotic": "shadow",
    "cursed": "shadow",
    "evil": "shadow",
    "night": "shadow",
    "abyssal": "shadow",
    "holy": "holy",
    "divine": "holy",
    "sacred": "holy",
    "celestial": "holy",
    "angelic": "holy",
    "radiant": "holy",
    "blessed": "holy",
    "blood": "blood",
    "bloody": "blood",
    "vampire": "blood",
    "vampiric": "blood",
    "crimson": "blood",
    "water": "water",
    "aqua": "water",
    "ocean": "water",
    "sea": "water",
    "stone": "stone",
    "rock": "stone",
    "rocky": "stone",
    "stony": "stone",
    "granite": "stone",
    "wood": "wood",
    "wooden": "wood",
    "timber": "wood",
    "crystal": "crystal",
    "crystalline": "crystal",
    "glass": "crystal",
    "arcane": "crystal",
    "magic": "crystal",
    "magical": "crystal",
    "red": "red",
    "scarlet": "red",
    "orange": "orange",
    "yellow": "yellow",
    "green": "green",
    "lime": "lime",
    "teal": "teal",
    "cyan": "cyan",
    "turquoise": "teal",
    "blue": "blue",
    "azure": "blue",
    "navy": "navy",
    "purple": "purple",
    "violet": "purple",
    "indigo": "purple",
    "lavender": "purple",
    "magenta": "pink",
    "pink": "pink",
    "rose": "pink",
    "brown": "brown",
    "tan": "brown",
    "black": "black",
    "ebony": "black",
    "white": "white",
    "ivory": "white",
    "grey": "grey",
    "gray": "grey",
    "bone": "bone",
    "leather": "leather",
    "copper": "copper",
    "bronze": "bronze",
    "rust": "copper",
    "rusty": "copper",
    "ruby": "ruby",
    "sapphire": "sapphire",
    "emerald": "emerald",
    "amethyst": "amethyst",
    "topaz": "topaz",
    "diamond": "diamond",
    "amber": "amber",
    "jade": "jade",
    "opal": "opal",
    "obsidian": "obsidian",
    "grass": "grass",
    "grassy": "grass",
    "sand": "sand",
    "sandy": "sand",
    "dirt": "dirt",
    "mud": "dirt",
    "lava": "lava",
    "magma": "lava",
    "molten": "lava",
    "brick": "brick",
    "snow": "snow",
    "snowy": "snow",
}

# Colour family names that, in a negative prompt, exclude every ramp of that family.
COLOUR_FAMILIES: frozenset[str] = frozenset(
    {"red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink", "brown", "grey", "white", "black"}
)
FAMILY_ALIASES: dict[str, str] = {"gray": "grey", "violet": "purple", "magenta": "pink", "scarlet": "red"}

# Words that ask for nothing the generator could leave out: grammar, and what every sprite already is
# (pixel art, a sprite). They are never reported as unused.
FILLER: frozenset[str] = frozenset(
    {
        *("a", "an", "the", "some", "and", "or", "of", "with", "without", "in", "on", "at", "to", "for", "from"),
        *("by", "into", "onto", "its", "his", "her", "their", "very", "holding", "wearing", "carrying"),
        *("pixel", "pixels", "pixelated", "pixelart", "art", "sprite", "sprites", "style", "retro", "game"),
        *("icon", "asset", "bit", "8bit", "16bit", "32bit", "8", "16", "32", "64"),
    }
)

_KNOWN: frozenset[str] = frozenset(
    set(SUBJECT_WORDS)
    | GEM_WORDS
    | set(TILE_KIND_WORDS)
    | TILE_MARKERS
    | set(MATERIAL_WORDS)
    | COLOUR_FAMILIES
    | set(FAMILY_ALIASES)
)

_IRREGULAR: dict[str, str] = {
    "knives": "knife",
    "wolves": "wolf",
    "elves": "elf",
    "dwarves": "dwarf",
    "leaves": "leaf",
    "mice": "mouse",
    "men": "man",
    "women": "woman",
    "children": "child",
    "geese": "bird",
    "dice": "gem",
}


def words(text: str) -> list[str]:
    """Lower-case letter/digit runs: the normalised form of a prompt."""
    return re.findall(r"[a-z0-9]+", text.lower())


def canonical(word: str) -> str:
    """Map plurals such as 'rubies' or 'swords' to a known word; unknown words come back unchanged."""
    if word in _KNOWN:
        return word
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for suffix, replacement in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and word[: -len(suffix)] + replacement in _KNOWN:
            return word[: -len(suffix)] + replacement
    return word


def tokens(text: str) -> list[str]:
    return [canonical(w) for w in words(text)]
