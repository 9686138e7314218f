"""ComfyUI's HTTP API, with every failure turned into a typed error."""

from __future__ import annotations

from typing import Any

import httpx


class ComfyUnavailable(Exception):
    """The server could not be reached or did not answer in time: try another server or later."""


class ComfyRejected(Exception):
    """The server refused the prompt (validation); `error` and `node_errors` are ComfyUI's own."""

    def __init__(self, error: dict[str, Any], node_errors: dict[str, Any]):
        super().__init__(error.get("message", "prompt rejected"))
        self.error = error
        self.node_errors = node_errors


class ComfyFailed(Exception):
    """The server answered with an unexpected status."""


class ComfyHTTP:
    def __init__(self, base_url: str, timeout_s: float = 10.0):
        self.base_url = base_url.rstrip("/")
        # No Origin header is ever sent: ComfyUI answers 403 to a foreign Origin unless started with CORS.
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout_s, headers={"User-Agent": "dgx-pixels"})

    async def close(self) -> None:
        await self._http.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise ComfyUnavailable(f"{self.base_url} did not answer {method} {path} in time") from None
        except httpx.TransportError as exc:
            raise ComfyUnavailable(f"{self.base_url} is unreachable ({type(exc).__name__}: {exc})") from None

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._request(method, path, **kwargs)
        if response.status_code != 200:
            raise ComfyFailed(f"{method} {path} answered {response.status_code}: {response.text[:200]}")
        try:
            return response.json()
        except ValueError:
            raise ComfyFailed(f"{method} {path} answered something that is not JSON") from None

    async def system_stats(self) -> dict[str, Any]:
        return await self._json("GET", "/system_stats")

    async def object_info(self) -> dict[str, Any]:
        return await self._json("GET", "/object_info")

    async def node_info(self, class_type: str) -> dict[str, Any]:
        """{class_type: info}, or {} when the server has no such node (ComfyUI answers 200 {})."""
        body = await self._json("GET", f"/object_info/{class_type}")
        return body if isinstance(body, dict) else {}

    async def queue(self) -> dict[str, Any]:
        return await self._json("GET", "/queue")

    async def history(self, prompt_id: str) -> dict[str, Any]:
        """The finished prompt's entry, or {} when unknown or not finished yet."""
        return (await self._json("GET", f"/history/{prompt_id}")).get(prompt_id, {})

    async def submit(self, graph: dict[str, Any], client_id: str, prompt_id: str, preview_method: str = "auto") -> None:
        """Queue the graph under our own prompt id; ComfyUI uses a client-given id as it is. Newer servers take
        the preview method of each prompt from extra_data (without it they fall back to their launch flag, which
        defaults to no previews); older ones ignore the key."""
        payload = {
            "prompt": graph,
            "client_id": client_id,
            "prompt_id": prompt_id,
            "extra_data": {"preview_method": preview_method},
        }
        response = await self._request("POST", "/prompt", json=payload)
        if response.status_code == 400:
            body = _json_or_empty(response)
            raise ComfyRejected(body.get("error") or {}, body.get("node_errors") or {})
        if response.status_code != 200:
            raise ComfyFailed(f"POST /prompt answered {response.status_code}: {response.text[:200]}")
        body = _json_or_empty(response)
        if body.get("node_errors"):
            # Partly valid: ComfyUI queued the valid branch and skipped the rest. A sprite needs all of it.
            await self.delete_pending(prompt_id)
            raise ComfyRejected(
                {"type": "partially_invalid", "message": "part of the workflow failed validation"}, body["node_errors"]
            )

    async def delete_pending(self, prompt_id: str) -> None:
        await self._request("POST", "/queue", json={"delete": [prompt_id]})

    async def interrupt(self, prompt_id: str) -> None:
        await self._request("POST", "/interrupt", json={"prompt_id": prompt_id})

    async def upload(self, path: str, data: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> Any:
        """POST a multipart form (`/upload/image`); the JSON answer."""
        return await self._json("POST", path, data=data, files=files)

    async def view(self, filename: str, subfolder: str, kind: str) -> bytes:
        response = await self._request(
            "GET", "/view", params={"filename": filename, "subfolder": subfolder, "type": kind}
        )
        if response.status_code != 200:
            raise ComfyFailed(f"GET /view {subfolder}/{filename} answered {response.status_code}")
        return response.content


def _json_or_empty(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
