"""The tables of the worker's database and the steps that bring an older database up to date."""

SCHEMA_VERSION = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id          TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL UNIQUE,
    state       TEXT NOT NULL,
    params      TEXT NOT NULL,
    prompt      TEXT NOT NULL,
    model       TEXT NOT NULL,
    priority    INTEGER NOT NULL,
    client      TEXT NOT NULL,
    user        TEXT NOT NULL,
    request_id  TEXT,
    retry_of    TEXT,
    backend     TEXT,
    backend_ref TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  REAL NOT NULL,
    started_at  REAL,
    finished_at REAL,
    backend_ms  REAL NOT NULL DEFAULT 0,
    error       TEXT
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, seq);
CREATE TABLE IF NOT EXISTS job_history (
    job_id TEXT NOT NULL REFERENCES jobs(id),
    at     REAL NOT NULL,
    state  TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS job_history_job ON job_history(job_id);
CREATE TABLE IF NOT EXISTS images (
    id         TEXT PRIMARY KEY,
    job_id     TEXT NOT NULL REFERENCES jobs(id),
    idx        INTEGER NOT NULL,
    seed       INTEGER NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    path       TEXT NOT NULL,
    bytes      INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    created_at REAL NOT NULL,
    params     TEXT NOT NULL,
    cache_key  TEXT,
    raw_path   TEXT,
    UNIQUE (job_id, idx)
);
CREATE INDEX IF NOT EXISTS images_created ON images(created_at);
CREATE TABLE IF NOT EXISTS comparisons (
    id         TEXT PRIMARY KEY,
    prompt     TEXT NOT NULL,
    negative   TEXT NOT NULL,
    seed       INTEGER NOT NULL,
    tags       TEXT NOT NULL,
    user       TEXT NOT NULL,
    client     TEXT NOT NULL,
    request_id TEXT,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS comparison_panels (
    comparison_id TEXT NOT NULL REFERENCES comparisons(id),
    panel         INTEGER NOT NULL,
    model         TEXT NOT NULL,
    job_id        TEXT REFERENCES jobs(id),
    image_id      TEXT,
    cached        INTEGER NOT NULL,
    PRIMARY KEY (comparison_id, panel)
);
CREATE TABLE IF NOT EXISTS votes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    comparison_id TEXT NOT NULL REFERENCES comparisons(id),
    prompt        TEXT NOT NULL,
    seed          INTEGER NOT NULL,
    tags          TEXT NOT NULL,
    presets       TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    winner        INTEGER,
    user          TEXT NOT NULL,
    client        TEXT NOT NULL,
    created_at    REAL NOT NULL,
    UNIQUE (comparison_id, user)
);
"""
# Each entry takes a database from the version before it to its own; run in order, each in its own transaction.
MIGRATIONS: dict[int, list[str]] = {
    2: ["ALTER TABLE images ADD COLUMN cache_key TEXT", "ALTER TABLE images ADD COLUMN raw_path TEXT"],
}
INDEXES = """
CREATE INDEX IF NOT EXISTS images_cache ON images(cache_key);
CREATE INDEX IF NOT EXISTS comparison_panels_job ON comparison_panels(job_id);
"""
