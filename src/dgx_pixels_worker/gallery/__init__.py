"""Browsing stored images: pages newest first, search by prompt, model and tag, and the reuse cache."""
