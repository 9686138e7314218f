"""A folder of sprites on this machine as a training dataset: the images (read here, to be sent with `upload`, so it
works over SSH) and their captions. Plain Python; Pillow checks that each file is an image.

A caption comes from `NAME.txt` beside `NAME.png` when there is one, else from the file's name (`red_knight-2` says
"red knight 2"); a captions file (`image<TAB>caption` per line) overrides both."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from dgx_pixels_worker.protocol.assets import MAX_UPLOAD_BYTES

from .variation_params import IMAGE_SUFFIXES


@dataclass(frozen=True)
class LocalImage:
    path: Path
    data: bytes
    caption: str


def read_folder(folder: Path, most: int, captions: dict[str, str] | None = None) -> list[LocalImage]:
    """The images of `folder` in name order with their captions; ValueError says what is wrong and what to do."""
    if not folder.exists():
        raise ValueError(f"{folder} does not exist; give a folder of PNG, JPEG, WebP or GIF sprites")
    if not folder.is_dir():
        raise ValueError(f"{folder} is a file, not a folder; give the folder the sprites are in")
    try:
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    except OSError as exc:
        raise ValueError(f"cannot read {folder}: {exc.strerror or exc}") from None
    if not files:
        raise ValueError(f"{folder} holds no PNG, JPEG, WebP or GIF image; put the sprites to train on there")
    if len(files) > most:
        raise ValueError(f"{folder} holds {len(files)} images; a dataset takes at most {most}: move some out")
    return [_read(path, (captions or {}).get(path.name) or (captions or {}).get(path.stem)) for path in files]


def _read(path: Path, caption: str | None) -> LocalImage:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"{path} is {len(data) / 2**20:.1f} MB; an image sent may be at most {MAX_UPLOAD_BYTES // 2**20} MB: "
            "shrink it (a sprite needs far less) or move it out of the folder"
        )
    _check_image(path, data)
    return LocalImage(path, data, caption if caption is not None else own_caption(path))


def _check_image(path: Path, data: bytes) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        raise ValueError(f"{path} is not a readable image; replace it or move it out of the folder") from None


def own_caption(path: Path) -> str:
    """The text of `NAME.txt` beside the image, else its name with _ and - as spaces."""
    beside = path.with_suffix(".txt")
    if beside.is_file():
        try:
            text = " ".join(beside.read_text(encoding="utf-8", errors="replace").split())
        except OSError:
            text = ""
        if text:
            return text
    return " ".join(path.stem.replace("_", " ").replace("-", " ").split())


def read_captions(path: Path) -> dict[str, str]:
    """A captions file: `image<TAB>caption` per line (an image by file name, stem or gallery id); blank lines and
    lines starting with # are skipped. ValueError names the line that has no tab."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the captions file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    captions: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        image, tab, caption = line.partition("\t")
        if not tab or not image.strip() or not caption.strip():
            raise ValueError(f"{path} line {number}: write the image, a tab, then its caption")
        captions[image.strip()] = " ".join(caption.split())
    return captions
