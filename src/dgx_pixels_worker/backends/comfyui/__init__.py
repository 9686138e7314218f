"""The ComfyUI backend: one or more ComfyUI servers driven over HTTP and websocket."""
