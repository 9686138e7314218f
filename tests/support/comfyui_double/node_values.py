"""Values that flow between simulated nodes, with str() forms shaped like the real objects'
(seen in execution_error)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .image_synth import SampleRecipe


def tensor_repr(values: np.ndarray, scale: float = 1.0) -> str:
    """torch-like `tensor([...])` text; axes longer than 6 are summarised with '...'."""
    sliced = values[tuple(slice(0, min(n, 7)) for n in values.shape)].astype(np.float32) * scale
    body = np.array2string(
        sliced, precision=4, separator=", ", threshold=0, edgeitems=3, floatmode="fixed", prefix="tensor("
    )
    return f"tensor({body})"


def zeros_repr(*shape: int) -> str:
    return tensor_repr(np.zeros(tuple(min(n, 7) for n in shape)))


def _address(obj: object) -> str:
    return f"0x{id(obj):012x}"


@dataclass(frozen=True, eq=False)
class ModelRef:
    checkpoint: str
    loras: tuple[tuple[str, float, float], ...] = ()

    def __str__(self) -> str:
        return f"<comfy.model_patcher.ModelPatcher object at {_address(self)}>"


@dataclass(frozen=True, eq=False)
class ClipRef:
    checkpoint: str
    loras: tuple[tuple[str, float, float], ...] = ()

    def __str__(self) -> str:
        return f"<comfy.sd.CLIP object at {_address(self)}>"


@dataclass(frozen=True, eq=False)
class VaeRef:
    checkpoint: str

    def __str__(self) -> str:
        return f"<comfy.sd.VAE object at {_address(self)}>"


@dataclass(frozen=True, eq=False)
class Conditioning:
    text: str
    clip: ClipRef

    def __str__(self) -> str:
        return f"[[{zeros_repr(1, 77, 768)}, {{'pooled_output': {zeros_repr(1, 768)}}}]]"


@dataclass(frozen=True, eq=False)
class Latent:
    """A latent batch: width/height in latent pixels (image size / 8)."""

    width: int
    height: int
    batch: int
    recipe: SampleRecipe | None = None
    init_pixels: np.ndarray | None = None  # (B, H, W, 3) latent-size pixels from VAEEncode
    noise_mask: np.ndarray | None = None  # (H, W) latent-size 0..1 from SetLatentNoiseMask: where sampling repaints

    def __str__(self) -> str:
        return "{'samples': " + zeros_repr(self.batch, 4, self.height, self.width) + "}"


class ImageBatch:
    """IMAGE: (B, H, W, 3) uint8 pixels; ComfyUI holds float tensors in 0..1."""

    def __init__(self, pixels: np.ndarray):
        self.pixels = pixels

    @property
    def batch(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[2])

    def __str__(self) -> str:
        return tensor_repr(self.pixels, scale=1 / 255)


class Mask:
    def __init__(self, values: np.ndarray):
        self.values = values

    def __str__(self) -> str:
        return tensor_repr(self.values)


def resized_plane(values: np.ndarray, width: int, height: int) -> np.ndarray:
    """A (H, W) float plane (a mask) scaled bilinearly to (height, width), as torch's interpolate does."""
    if values.shape == (height, width):
        return values
    plane = Image.fromarray(values.astype(np.float32), "F").resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(plane, dtype=np.float32)
