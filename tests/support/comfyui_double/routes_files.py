"""File routes: model listings, /view_metadata, /upload/image and /view, with the real path checks."""

from __future__ import annotations

import hashlib
import mimetypes
import os
from io import BytesIO

from aiohttp import web
from PIL import Image

from .directories import MODEL_FOLDERS, safetensors_metadata
from .double_server import DoubleServer

FORCED_DOWNLOAD_TYPES = {"text/html", "text/html-sandboxed", "application/xhtml+xml", "text/javascript", "text/css"}


def add_file_routes(routes: web.RouteTableDef, server: DoubleServer) -> None:
    dirs = server.dirs

    @routes.get("/embeddings")
    async def get_embeddings(request: web.Request) -> web.Response:
        return web.json_response([os.path.splitext(name)[0] for name in dirs.filename_list("embeddings")])

    @routes.get("/models")
    async def list_model_types(request: web.Request) -> web.Response:
        return web.json_response(list(MODEL_FOLDERS))

    @routes.get("/models/{folder}")
    async def get_models(request: web.Request) -> web.Response:
        folder = request.match_info.get("folder", None)
        if folder not in MODEL_FOLDERS:
            return web.Response(status=404)
        return web.json_response(dirs.filename_list(folder))

    @routes.get("/experiment/models")
    async def get_model_folders(request: web.Request) -> web.Response:
        return web.json_response(
            [{"name": name, "folders": [str(root) for root in dirs.folder_roots(name)]} for name in MODEL_FOLDERS]
        )

    @routes.get("/experiment/models/{folder}")
    async def get_model_files(request: web.Request) -> web.Response:
        folder = request.match_info.get("folder", None)
        if folder not in MODEL_FOLDERS:
            return web.Response(status=404)
        return web.json_response(dirs.model_entries(folder))

    @routes.get("/view_metadata/{folder_name}")
    async def view_metadata(request: web.Request) -> web.Response:
        folder_name = request.match_info.get("folder_name", None)
        filename = request.rel_url.query.get("filename")
        if folder_name is None or filename is None or not filename.endswith(".safetensors"):
            return web.Response(status=404)
        path = dirs.full_model_path(folder_name, filename)
        metadata = safetensors_metadata(path) if path is not None else None
        if metadata is None:
            return web.Response(status=404)
        return web.json_response(metadata)

    def dir_by_type(dir_type: str | None) -> tuple[str, str]:
        if dir_type is None:
            dir_type = "input"
        if dir_type == "input":
            type_dir = str(dirs.input)
        elif dir_type == "temp":
            type_dir = str(dirs.temp)
        elif dir_type == "output":
            type_dir = str(dirs.output)
        # Any other type leaves type_dir unbound: UnboundLocalError, a 500, as on the real server.
        return type_dir, dir_type

    def same_bytes(filepath: str, image: web.FileField) -> bool:
        if not os.path.exists(filepath):
            return False
        with open(filepath, "rb") as f:
            existing = hashlib.sha256(f.read()).hexdigest()
        uploaded = hashlib.sha256(image.file.read()).hexdigest()
        image.file.seek(0)
        return existing == uploaded

    @routes.post("/upload/image")
    async def upload_image(request: web.Request) -> web.Response:
        post = await request.post()
        image = post.get("image")
        overwrite = post.get("overwrite")
        upload_dir, image_upload_type = dir_by_type(post.get("type"))
        if not (image and image.file):
            return web.Response(status=400)
        filename = image.filename
        if not filename:
            return web.Response(status=400)
        subfolder = post.get("subfolder", "")
        full_output_folder = os.path.join(upload_dir, os.path.normpath(subfolder))
        filepath = os.path.abspath(os.path.join(full_output_folder, filename))
        if os.path.commonpath((upload_dir, filepath)) != upload_dir:
            return web.Response(status=400)
        os.makedirs(full_output_folder, exist_ok=True)
        split = os.path.splitext(filename)
        duplicate = False
        if not (overwrite is not None and overwrite in ("true", "1")):
            i = 1
            while os.path.exists(filepath):
                if same_bytes(filepath, image):
                    duplicate = True
                    break
                filename = f"{split[0]} ({i}){split[1]}"
                filepath = os.path.join(full_output_folder, filename)
                i += 1
        if not duplicate:
            with open(filepath, "wb") as f:
                f.write(image.file.read())
        return web.json_response({"name": filename, "subfolder": subfolder, "type": image_upload_type})

    @routes.get("/view")
    async def view_image(request: web.Request) -> web.StreamResponse:
        query = request.rel_url.query
        if "filename" not in query:
            return web.Response(status=404)
        filename, annotated_dir = dirs.annotated_path(query["filename"])
        if not filename:
            return web.Response(status=400)
        if filename[0] == "/" or ".." in filename:
            return web.Response(status=400)
        output_dir = annotated_dir or dirs.directory_by_type(query.get("type", "output"))
        if output_dir is None:
            return web.Response(status=400)
        output_dir = str(output_dir)
        if "subfolder" in query:
            full_output_dir = os.path.join(output_dir, query["subfolder"])
            if os.path.commonpath((os.path.abspath(full_output_dir), output_dir)) != output_dir:
                return web.Response(status=403)
            output_dir = full_output_dir
        filename = os.path.basename(filename)
        file = os.path.join(output_dir, filename)
        if not os.path.isfile(file):
            return web.Response(status=404)
        if "preview" in query:
            return _preview_response(file, filename, query["preview"], query.get("channel", ""))
        channel = query.get("channel", "rgba")
        if channel in ("rgb", "a"):
            return _channel_response(file, filename, channel)
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        if content_type in FORCED_DOWNLOAD_TYPES:
            content_type = "application/octet-stream"
        return web.FileResponse(
            file, headers={"Content-Disposition": f'filename="{filename}"', "Content-Type": content_type}
        )


def _preview_response(file: str, filename: str, preview: str, channel: str) -> web.Response:
    with Image.open(file) as img:
        preview_info = preview.split(";")
        image_format = preview_info[0]
        if image_format not in ("webp", "jpeg") or "a" in channel:
            image_format = "webp"
        quality = int(preview_info[-1]) if preview_info[-1].isdigit() else 90
        if image_format == "jpeg" or channel == "rgb":
            img = img.convert("RGB")
        buffer = BytesIO()
        img.save(buffer, format=image_format, quality=quality)
    return web.Response(
        body=buffer.getvalue(),
        content_type=f"image/{image_format}",
        headers={"Content-Disposition": f'filename="{filename.replace("png", image_format)}"'},
    )


def _channel_response(file: str, filename: str, channel: str) -> web.Response:
    with Image.open(file) as img:
        if channel == "rgb":
            out = Image.merge("RGB", img.split()[:3]) if img.mode == "RGBA" else img.convert("RGB")
        else:
            alpha = img.split()[3] if img.mode == "RGBA" else Image.new("L", img.size, 255)
            out = Image.new("RGBA", img.size)
            out.putalpha(alpha)
        buffer = BytesIO()
        out.save(buffer, format="PNG")
    return web.Response(
        body=buffer.getvalue(), content_type="image/png", headers={"Content-Disposition": f'filename="{filename}"'}
    )
