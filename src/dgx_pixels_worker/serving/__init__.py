"""The request side: sockets and framing, request handlers, event publishing, and who may connect."""
