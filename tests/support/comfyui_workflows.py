"""API-format ComfyUI graphs for tests, beyond the shipped txt2img template."""

# A hires fix: sample, upscale the latent 2x, sample again at half denoise, decode, save. The second sampler's
# own seed and steps (777, 14) are what a template brings; a job must replace them.
HIRES = {
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "x.safetensors"}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "knight", "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
    "3": {
        "class_type": "KSampler",
        "inputs": {
            "model": ["4", 0],
            "positive": ["6", 0],
            "negative": ["7", 0],
            "latent_image": ["5", 0],
            "seed": 1,
            "steps": 20,
            "cfg": 7.0,
            "sampler_name": "euler",
            "scheduler": "normal",
            "denoise": 1.0,
        },
    },
    "10": {
        "class_type": "LatentUpscaleBy",
        "inputs": {"samples": ["3", 0], "upscale_method": "nearest-exact", "scale_by": 2.0},
    },
    "11": {"class_type": "KSampler", "inputs": {}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["11", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "ComfyUI"}},
}
HIRES["11"]["inputs"] = {
    **HIRES["3"]["inputs"],
    "latent_image": ["10", 0],
    "seed": 777,
    "steps": 14,
    "denoise": 0.5,
}
