"""The blocking client's training calls against a procedural-only worker: an image sent and reviewed as a dataset,
no preset trained yet, and a procedural style refused as a base with the reason."""

import pytest

from dgx_pixels_worker.client import AsyncClient, BlockingClient
from dgx_pixels_worker.protocol import WorkerError

from tests.support.sprite_images import png_bytes, square_sprite


def test_upload_dataset_trained_and_a_base_that_cannot_train(worker):
    with BlockingClient(AsyncClient(worker.rep, timeout=10, keys_dir=worker.keys_dir)) as client:
        sent = client.upload(png_bytes(square_sprite((200, 40, 40))))
        assert sent.image.startswith("upload:") and (sent.width, sent.height) == (16, 16)
        review = client.dataset([{"image": sent.image, "caption": "a red knight"}])
        assert [(e.image, e.caption, e.problem) for e in review.items] == [(sent.image, "a red knight", None)]
        assert client.trained() == []
        with pytest.raises(WorkerError) as refused:
            client.train("knights", "procedural", images=[{"image": sent.image, "caption": "a red knight"}])
        assert refused.value.code == "unknown_model"
        assert refused.value.message.startswith("no ComfyUI preset 'procedural' to train on; the base is one of: none")
