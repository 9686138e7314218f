"""Game assets as code: a manifest in the game's repository, the lock of what each output was made from, and
building what is missing or stale through the worker's queue."""
