"""Live knobs of the double: timings and injected faults, changed at run time through POST /__double/control."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


class InterruptProcessingException(Exception):
    """ComfyUI's comfy.model_management.InterruptProcessingException."""


class ControlError(ValueError):
    pass


@dataclass
class RuntimeControls:
    step_time: float = 0.05
    load_time: float = 0.0
    fail_next_saves: int = 0
    lora_disk_full: int = 0  # the next N SaveLoRANode runs fail as on a full disk
    slow_http_s: float = 0.0
    reject_next_prompt_with: str | None = None
    interrupt_requested: bool = False
    _running: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self._running.set()

    @property
    def stalled(self) -> bool:
        return not self._running.is_set()

    def set_stalled(self, stalled: bool) -> None:
        if stalled:
            self._running.clear()
        else:
            self._running.set()

    async def wait_while_stalled(self) -> None:
        await self._running.wait()

    def throw_if_interrupted(self) -> None:
        if self.interrupt_requested:
            self.interrupt_requested = False
            raise InterruptProcessingException()

    def take_injected_save_failure(self) -> bool:
        if self.fail_next_saves > 0:
            self.fail_next_saves -= 1
            return True
        return False

    def take_lora_disk_full(self) -> bool:
        if self.lora_disk_full > 0:
            self.lora_disk_full -= 1
            return True
        return False

    def apply(self, changes: dict) -> None:
        """Validate everything first so a bad request changes nothing."""
        known = {
            "step_time",
            "load_time",
            "fail_next_prompt",
            "lora_disk_full",
            "drop_websockets",
            "slow_http_s",
            "reject_next_prompt_with",
            "stall",
        }
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ControlError(f"unknown control field(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        for name in ("step_time", "load_time", "slow_http_s"):
            if name in changes and (not isinstance(changes[name], (int, float)) or changes[name] < 0):
                raise ControlError(f"{name} must be a number >= 0")
        fail = changes.get("fail_next_prompt", False)
        if not isinstance(fail, (bool, int)) or fail < 0:
            raise ControlError("fail_next_prompt must be true/false or a count >= 0")
        disk_full = changes.get("lora_disk_full", 0)
        if not isinstance(disk_full, (bool, int)) or disk_full < 0:
            raise ControlError("lora_disk_full must be true/false or a count >= 0")
        reject = changes.get("reject_next_prompt_with")
        if reject is not None and not isinstance(reject, str):
            raise ControlError("reject_next_prompt_with must be an error type string or null")
        if "step_time" in changes:
            self.step_time = float(changes["step_time"])
        if "load_time" in changes:
            self.load_time = float(changes["load_time"])
        if "slow_http_s" in changes:
            self.slow_http_s = float(changes["slow_http_s"])
        if "fail_next_prompt" in changes:
            self.fail_next_saves = int(fail)
        if "lora_disk_full" in changes:
            self.lora_disk_full = int(disk_full)
        if "reject_next_prompt_with" in changes:
            self.reject_next_prompt_with = reject
        if "stall" in changes:
            self.set_stalled(bool(changes["stall"]))

    def snapshot(self) -> dict:
        return {
            "step_time": self.step_time,
            "load_time": self.load_time,
            "fail_next_prompt": self.fail_next_saves,
            "lora_disk_full": self.lora_disk_full,
            "slow_http_s": self.slow_http_s,
            "reject_next_prompt_with": self.reject_next_prompt_with,
            "stall": self.stalled,
        }
