"""A stand-alone test double of a ComfyUI 0.3.64 server (HTTP + websocket), one process per simulated server.

Start it with `python -m tests.support.comfyui_double --port PORT` or through `ComfyUIDouble` from Python.
"""

from .process import ComfyUIDouble

__all__ = ["ComfyUIDouble"]
