"""dgx-pixels worker: the daemon that owns the queue, plus its protocol and client library."""

__version__ = "0.1.0"
