"""The double's folders (models, input, output, temp), listed the way ComfyUI's folder_paths lists them."""

from __future__ import annotations

import json
import mimetypes
import os
import shutil
import struct
from pathlib import Path

from .options import DoubleOptions

# Same keys, same order as the real server's folder_names_and_paths (GET /models).
MODEL_FOLDERS = (
    "checkpoints",
    "configs",
    "loras",
    "vae",
    "text_encoders",
    "diffusion_models",
    "clip_vision",
    "style_models",
    "embeddings",
    "diffusers",
    "vae_approx",
    "controlnet",
    "gligen",
    "upscale_models",
    "custom_nodes",
    "hypernetworks",
    "photomaker",
    "classifiers",
    "model_patches",
    "audio_encoders",
)
MODEL_EXTENSIONS = {".ckpt", ".pt", ".pt2", ".bin", ".pth", ".safetensors", ".pkl", ".sft"}
FOLDER_EXTENSIONS: dict[str, set[str]] = {"configs": {".yaml"}, "custom_nodes": set(), "diffusers": {"folder"}}


class ServerDirectories:
    def __init__(self, base: Path, output: Path | None = None):
        self.base = base.resolve()
        self.output = (output or self.base / "output").resolve()
        self.input = self.base / "input"
        self.temp = self.base / "temp"
        self.models = self.base / "models"

    @classmethod
    def prepare(cls, options: DoubleOptions, base: Path) -> ServerDirectories:
        dirs = cls(base, options.output_dir)
        for path in (dirs.output, dirs.input, dirs.models):
            path.mkdir(parents=True, exist_ok=True)
        # ComfyUI wipes its temp folder on start-up.
        shutil.rmtree(dirs.temp, ignore_errors=True)
        dirs.temp.mkdir(parents=True)
        for folder in MODEL_FOLDERS:
            (dirs.models / folder).mkdir(exist_ok=True)
        for name in options.checkpoints:
            write_placeholder_model(dirs.models / "checkpoints" / name)
        for name in options.loras:
            write_placeholder_model(dirs.models / "loras" / name)
        return dirs

    def folder_roots(self, folder: str) -> list[Path]:
        """folder_paths' search paths: ComfyUI's main.py adds `<output>/loras` to the loras paths at start-up."""
        roots = [self.models / folder]
        if folder == "loras":
            roots.append(self.output / "loras")
        return roots

    def filename_list(self, folder: str) -> list[str]:
        extensions = FOLDER_EXTENSIONS.get(folder, MODEL_EXTENSIONS)
        found: set[str] = set()
        for root in self.folder_roots(folder):
            for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
                dirnames[:] = [d for d in dirnames if d != ".git"]
                for filename in filenames:
                    if not extensions or os.path.splitext(filename)[1].lower() in extensions:
                        found.add(os.path.relpath(os.path.join(dirpath, filename), root).replace(os.sep, "/"))
        return sorted(found)

    def full_model_path(self, folder: str, filename: str) -> Path | None:
        if folder not in MODEL_FOLDERS:
            return None
        relative = os.path.relpath(os.path.join("/", filename), "/")
        for root in self.folder_roots(folder):
            if (root / relative).is_file():
                return root / relative
        return None

    def model_entries(self, folder: str) -> list[dict]:
        """/experiment/models/{folder}: each search path in turn (not one sorted list), with its index."""
        entries = []
        extensions = FOLDER_EXTENSIONS.get(folder, MODEL_EXTENSIONS)
        for index, root in enumerate(self.folder_roots(folder)):
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                if extensions and path.suffix.lower() not in extensions:
                    continue
                stat = path.stat()
                entries.append(
                    {
                        "name": path.relative_to(root).as_posix(),
                        "pathIndex": index,
                        "modified": stat.st_mtime,
                        "created": stat.st_ctime,
                        "size": stat.st_size,
                    }
                )
        return entries

    def directory_by_type(self, kind: str | None) -> Path | None:
        return {"output": self.output, "input": self.input, "temp": self.temp}.get(kind or "")

    def input_images(self) -> list[str]:
        files = [f for f in os.listdir(self.input) if os.path.isfile(os.path.join(self.input, f))]
        return sorted(f for f in files if (mimetypes.guess_type(f)[0] or "").startswith("image"))

    def input_subfolders(self) -> list[str]:
        """folder_paths.get_input_subfolders: every folder under input/, recursively, read on each call."""
        folders = []
        for root, _, _ in os.walk(self.input):
            relative = os.path.relpath(root, self.input)
            if relative != ".":
                folders.append(relative.replace(os.sep, "/"))
        return sorted(folders)

    def annotated_path(self, name: str) -> tuple[str, Path | None]:
        for suffix, directory in (("[output]", self.output), ("[input]", self.input), ("[temp]", self.temp)):
            if name.endswith(suffix):
                return name[: -len(suffix) - 1], directory
        return name, None


def write_placeholder_model(path: Path) -> None:
    """A tiny but well-formed safetensors file, so /view_metadata has a header to read."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    header = json.dumps({"__metadata__": {"modelspec.title": path.stem, "comfyui_double": "placeholder"}}).encode()
    header += b" " * (-len(header) % 8)
    path.write_bytes(struct.pack("<Q", len(header)) + header)


def safetensors_metadata(path: Path) -> dict | None:
    with path.open("rb") as f:
        raw = f.read(8)
        if len(raw) < 8:
            return None
        length = struct.unpack("<Q", raw)[0]
        if length > 1024 * 1024:
            return None
        try:
            header = json.loads(f.read(length))
        except ValueError:
            return None
    return header.get("__metadata__") if isinstance(header, dict) else None
