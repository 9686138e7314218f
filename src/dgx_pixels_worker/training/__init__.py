"""LoRA training: datasets from the gallery, votes and uploads; the training job's run; trained presets and their
evaluation against their base."""
