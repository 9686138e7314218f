"""python -m tests.support.comfyui_double --host 127.0.0.1 --port PORT [...]: one simulated ComfyUI server."""

from .app import run
from .options import parse_options

if __name__ == "__main__":
    run(parse_options())
