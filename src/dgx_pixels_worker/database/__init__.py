"""The worker's SQLite database: the connection every store shares, the schema and its migrations."""

from .connection import Database, StaleWrite, Statement

__all__ = ["Database", "StaleWrite", "Statement"]
