"""The named palettes as data: public pixel-art palettes, RRGGBB hex, in their usual order."""

from __future__ import annotations

PICO_8 = (
    "000000 1d2b53 7e2553 008751 ab5236 5f574f c2c3c7 fff1e8 ff004d ffa300 ffec27 00e436 29adff 83769c ff77a8 ffccaa"
)

DAWNBRINGER_16 = (
    "140c1c 442434 30346d 4e4a4e 854c30 346524 d04648 757161 597dce d27d2c 8595a1 6daa2c d2aa99 6dc2ca dad45e deeed6"
)

DAWNBRINGER_32 = (
    "000000 222034 45283c 663931 8f563b df7126 d9a066 eec39a "
    "fbf236 99e550 6abe30 37946e 4b692f 524b24 323c39 3f3f74 "
    "306082 5b6ee1 639bff 5fcde4 cbdbfc ffffff 9badb7 847e87 "
    "696a6a 595652 76428a ac3232 d95763 d77bba 8f974a 8a6f30"
)

GAME_BOY = "0f380f 306230 8bac0f 9bbc0f"  # the original DMG's four greens, darkest first

# The 2C02 PPU table as most emulators show it, with the repeated blacks of entries $xD-$xF left out:
# 55 distinct colours.
NES = (
    "7c7c7c 0000fc 0000bc 4428bc 940084 a80020 a81000 881400 503000 007800 006800 005800 004058 000000 "
    "bcbcbc 0078f8 0058f8 6844fc d800cc e40058 f83800 e45c10 ac7c00 00b800 00a800 00a844 008888 "
    "f8f8f8 3cbcfc 6888fc 9878f8 f878f8 f85898 f87858 fca044 f8b800 b8f818 58d854 58f898 00e8d8 787878 "
    "fcfcfc a4e4fc b8b8f8 d8b8f8 f8b8f8 f8a4c0 f0d0b0 fce0a8 f8d878 d8f878 b8f8b8 b8f8d8 00fcfc f8d8f8"
)

ENDESGA_32 = (
    "be4a2f d77643 ead4aa e4a672 b86f50 733e39 3e2731 a22633 "
    "e43b44 f77622 feae34 fee761 63c74d 3e8948 265c42 193c3e "
    "124e89 0099db 2ce8f5 ffffff c0cbdc 8b9bb4 5a6988 3a4466 "
    "262b44 181425 ff0044 68386c b55088 f6757a e8b796 c28569"
)

# Display name and colours by canonical key; see palette.canonical_name for the spellings accepted.
NAMED: dict[str, tuple[str, str]] = {
    "pico8": ("PICO-8", PICO_8),
    "db16": ("DawnBringer 16", DAWNBRINGER_16),
    "db32": ("DawnBringer 32", DAWNBRINGER_32),
    "gameboy": ("Game Boy", GAME_BOY),
    "nes": ("NES", NES),
    "endesga32": ("ENDESGA 32", ENDESGA_32),
}

ALIASES: dict[str, str] = {
    "dawnbringer16": "db16",
    "dawnbringer32": "db32",
    "gb": "gameboy",
    "dmg": "gameboy",
    "edg32": "endesga32",
    "famicom": "nes",
}
