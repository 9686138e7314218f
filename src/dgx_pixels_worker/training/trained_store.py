"""The presets training made: one row each in `trained_presets`, and their files under `loras/` in the data
directory (the LoRA, its loss curve, and its provenance as JSON beside it, so the folder can move on its own)."""

from __future__ import annotations

import json
from pathlib import Path

from ..arena.head_to_head import untested
from ..database import Database, Statement
from ..jobs import image_files
from ..protocol import messages as m
from ..settings import paths

FOLDER = "loras"


class TrainedStore:
    def __init__(self, db: Database, data_dir: Path):
        self._db = db
        self._data_dir = data_dir

    def write_files(self, name: str, lora: bytes, loss_png: bytes | None) -> tuple[str, str | None]:
        """Keep the LoRA and its loss curve (each whole or not at all); their paths relative to the data directory.
        WorkerError(DISK_FULL) when the disk is full."""
        lora_path = f"{FOLDER}/{name}.safetensors"
        image_files.write_atomically(self._data_dir, lora_path, lora)
        loss_path = None
        if loss_png is not None:
            loss_path = f"{FOLDER}/{name}-loss.png"
            image_files.write_atomically(self._data_dir, loss_path, loss_png)
        return lora_path, loss_path

    def add(self, info: m.TrainedInfo) -> None:
        """Record a trained preset and write its provenance beside the LoRA. Recording it again (a training job
        resumed after the row was written) changes nothing."""
        provenance = info.model_dump_json(exclude={"evaluation"}, indent=2)
        image_files.write_atomically(self._data_dir, f"{FOLDER}/{info.name}.json", provenance.encode())
        self._db.write([self.insert_statement(info)])

    @staticmethod
    def insert_statement(info: m.TrainedInfo) -> Statement:
        return (
            "INSERT INTO trained_presets (name, base, job_id, info, created_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT (name) DO NOTHING",
            (info.name, info.base, info.job_id, info.model_dump_json(exclude={"evaluation"}), info.created_at),
        )

    def loss_curve(self, info: m.TrainedInfo) -> bytes | None:
        """The loss curve's PNG, or None when ComfyUI drew none (a one-step run) or the file is gone."""
        if info.loss_png is None:
            return None
        try:
            return paths.inside(self._data_dir, info.loss_png).read_bytes()
        except OSError:
            return None

    def all(self) -> list[m.TrainedInfo]:
        rows = self._db.rows("SELECT name, base, info FROM trained_presets ORDER BY created_at")
        return [_info(row[2]) for row in rows]

    def get(self, name: str) -> m.TrainedInfo | None:
        rows = self._db.rows("SELECT info FROM trained_presets WHERE name=?", (name,))
        return _info(rows[0][0]) if rows else None

    def names(self) -> dict[str, str]:
        """Each trained preset's base."""
        return dict(self._db.rows("SELECT name, base FROM trained_presets"))


def _info(text: str) -> m.TrainedInfo:
    data = json.loads(text)
    data["evaluation"] = untested(data["name"], data["base"])
    return m.TrainedInfo.model_validate(data)
