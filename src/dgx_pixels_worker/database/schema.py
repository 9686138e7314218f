"""The tables of the worker's database and the steps that bring an older database up to date."""

SCHEMA_VERSION = 3
# The tables of record, as of schema 2 and since (bench/gallery.py makes an old database from them).
TABLES = """
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
# What the gallery reads (gallery/images.py), so that a page, a model or tag filter and a prompt search do not cost
# more as the library grows (docs/scaling.md, "The gallery"). Recording an image writes only its row: the gallery
# indexes new images in batches (ImageStore.catch_up: before every gallery read, and once a second in the worker),
# which keeps the job's own transaction as short as it was. `gallery_indexed.images_to` is the highest images.rowid
# indexed; triggers keep the tables right when an indexed image or a job is deleted or a prompt changes.
# `image` is images.rowid and `job` jobs.rowid: VACUUM may renumber those, so after one run GALLERY_REBUILD.
# - gallery_facets: one row per model, per tag and per (model, tag) of an image's job, with how many images have
#   it; ('', '') stands for every image. The `total` of an unsearched page is read here.
# - gallery_images: each image under each of its facets, in gallery order, with its job: a page is a range of this
#   index, and a search that walks it reads the job's prompt without reading the image.
# - gallery_job_images: each job's images, in gallery order: what a prompt search counts and sorts.
# - gallery_prompts: a trigram index of lower(jobs.prompt) (contentless: the text stays in jobs), holding the jobs
#   that have an image in gallery_job_images: a job enters it with its first indexed image. Both the prompt and
#   the query go through SQLite's lower(), which folds ASCII letters only, as LIKE does, so a phrase match here is
#   exactly `prompt LIKE '%query%'` for queries of 3 characters or more.
# Only images whose job is stored are indexed (as the gallery has always joined images to jobs). A job's model and
# tags are fixed once it is stored (a trigger refuses a change); a changed prompt is re-indexed; a deleted image
# leaves these tables, as does a deleted job once its images are gone (nothing deletes either today).
_GALLERY = """
CREATE TABLE IF NOT EXISTS gallery_facets (
    id     INTEGER PRIMARY KEY,
    model  TEXT NOT NULL,
    tag    TEXT NOT NULL,
    images INTEGER NOT NULL,
    UNIQUE (model, tag)
);
CREATE TABLE IF NOT EXISTS gallery_images (
    facet      INTEGER NOT NULL,
    created_at REAL NOT NULL,
    image      INTEGER NOT NULL,
    job        INTEGER NOT NULL,
    PRIMARY KEY (facet, created_at, image)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS gallery_job_images (
    job        INTEGER NOT NULL,
    created_at REAL NOT NULL,
    image      INTEGER NOT NULL,
    PRIMARY KEY (job, created_at, image)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS gallery_indexed (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    images_to   INTEGER NOT NULL,
    images_next INTEGER NOT NULL
);
INSERT OR IGNORE INTO gallery_indexed (id, images_to, images_next) VALUES (1, 0, 0);
CREATE VIRTUAL TABLE IF NOT EXISTS gallery_prompts USING fts5(
    prompt, content='', tokenize='trigram case_sensitive 1'
);
CREATE TRIGGER IF NOT EXISTS gallery_job_removed AFTER DELETE ON jobs
WHEN EXISTS (SELECT 1 FROM gallery_job_images WHERE job = OLD.rowid) BEGIN
    INSERT INTO gallery_prompts (gallery_prompts, rowid, prompt) VALUES ('delete', OLD.rowid, lower(OLD.prompt));
    DELETE FROM gallery_job_images WHERE job = OLD.rowid;
END;
CREATE TRIGGER IF NOT EXISTS gallery_job_prompt_changed AFTER UPDATE OF prompt ON jobs
WHEN OLD.prompt IS NOT NEW.prompt AND EXISTS (SELECT 1 FROM gallery_job_images WHERE job = OLD.rowid) BEGIN
    INSERT INTO gallery_prompts (gallery_prompts, rowid, prompt) VALUES ('delete', OLD.rowid, lower(OLD.prompt));
    INSERT INTO gallery_prompts (rowid, prompt) VALUES (NEW.rowid, lower(NEW.prompt));
END;
CREATE TRIGGER IF NOT EXISTS gallery_job_facets_fixed BEFORE UPDATE OF model, params ON jobs
WHEN OLD.model IS NOT NEW.model OR json_extract(OLD.params, '$.tags') IS NOT json_extract(NEW.params, '$.tags')
BEGIN
    SELECT RAISE(ABORT, 'a job''s model and tags are fixed once it is stored: the gallery indexes its images by them');
END;
CREATE TRIGGER IF NOT EXISTS gallery_image_removed AFTER DELETE ON images
WHEN OLD.rowid <= (SELECT images_to FROM gallery_indexed) BEGIN
    UPDATE gallery_facets SET images = images - 1 WHERE EXISTS (
        SELECT 1 FROM gallery_images
        WHERE facet = gallery_facets.id AND created_at = OLD.created_at AND image = OLD.rowid
    );
    DELETE FROM gallery_images
    WHERE facet IN (SELECT id FROM gallery_facets) AND created_at = OLD.created_at AND image = OLD.rowid;
    DELETE FROM gallery_job_images
    WHERE job = (SELECT rowid FROM jobs WHERE id = OLD.job_id) AND created_at = OLD.created_at AND image = OLD.rowid;
    INSERT INTO gallery_prompts (gallery_prompts, rowid, prompt)
        SELECT 'delete', rowid, lower(prompt) FROM jobs
        WHERE id = OLD.job_id AND NOT EXISTS (SELECT 1 FROM gallery_job_images WHERE job = jobs.rowid);
    -- SQLite may give the next image a deleted one's rowid: the mark never stays above the newest image.
    UPDATE gallery_indexed SET images_to = min(images_to, (SELECT COALESCE(MAX(rowid), 0) FROM images));
END;
"""
# A preset made by training a LoRA (training/trained_store.py): `info` is its TrainedInfo without the evaluation,
# which is counted from the votes each time. Created where missing, so older databases need no migration.
_TRAINED = """
CREATE TABLE IF NOT EXISTS trained_presets (
    name       TEXT PRIMARY KEY,
    base       TEXT NOT NULL,
    job_id     TEXT NOT NULL UNIQUE REFERENCES jobs(id),
    info       TEXT NOT NULL,
    created_at REAL NOT NULL
);
"""
SCHEMA = TABLES + _GALLERY + _TRAINED
# Files the images with rowids in (images_to, images_next] under their job's facets (every image; its model; each of
# its tags; each (model, tag)), their job's prompt into the index with its job's first image, and moves images_to on.
# ImageStore.catch_up runs it on new images in batches; GALLERY_REBUILD on every image.
_NEW_IMAGES = (
    "WITH new AS MATERIALIZED (SELECT images.rowid AS image, images.created_at, jobs.rowid AS job, jobs.model,"
    " jobs.params FROM gallery_indexed AS g CROSS JOIN images ON images.rowid > g.images_to"
    " AND images.rowid <= g.images_next JOIN jobs ON jobs.id = images.job_id),"
    " tags AS (SELECT DISTINCT new.image, t.value AS tag FROM new, json_each(new.params, '$.tags') AS t"
    " WHERE t.type = 'text' AND t.value <> ''),"
    " facets AS (SELECT image, created_at, job, '' AS model, '' AS tag FROM new"
    " UNION ALL SELECT image, created_at, job, model, '' FROM new WHERE model <> ''"
    " UNION ALL SELECT image, created_at, job, '', tag FROM new JOIN tags USING (image)"
    " UNION ALL SELECT image, created_at, job, model, tag FROM new JOIN tags USING (image) WHERE model <> '')"
)
INDEX_NEW_IMAGES = [
    _NEW_IMAGES + " INSERT INTO gallery_facets (model, tag, images) SELECT model, tag, COUNT(*) FROM facets"
    " WHERE true GROUP BY model, tag ON CONFLICT (model, tag) DO UPDATE SET images = images + excluded.images",
    _NEW_IMAGES + " INSERT INTO gallery_images (facet, created_at, image, job)"
    " SELECT g.id, f.created_at, f.image, f.job FROM facets AS f"
    " JOIN gallery_facets AS g ON g.model = f.model AND g.tag = f.tag ORDER BY 1, 2, 3",
    _NEW_IMAGES + " INSERT INTO gallery_prompts (rowid, prompt)"
    " SELECT jobs.rowid, lower(jobs.prompt) FROM jobs WHERE jobs.rowid IN (SELECT job FROM new)"
    " AND NOT EXISTS (SELECT 1 FROM gallery_job_images WHERE job = jobs.rowid)",
    _NEW_IMAGES + " INSERT INTO gallery_job_images (job, created_at, image)"
    " SELECT job, created_at, image FROM new ORDER BY 1, 2, 3",
    "UPDATE gallery_indexed SET images_to = images_next",
]
# The gallery tables made afresh from the jobs and images: the migration to schema 3, and the repair should they
# ever disagree with them (after a VACUUM, which may renumber the rowids they hold).
GALLERY_REBUILD = [
    "DELETE FROM gallery_facets",
    "DELETE FROM gallery_images",
    "DELETE FROM gallery_job_images",
    "INSERT INTO gallery_prompts (gallery_prompts) VALUES ('delete-all')",
    "UPDATE gallery_indexed SET images_to = 0, images_next = (SELECT COALESCE(MAX(rowid), 0) FROM images)",
    *INDEX_NEW_IMAGES,
]
# Each entry takes a database from the version before it to its own; run in order, each in its own transaction.
MIGRATIONS: dict[int, list[str]] = {
    2: ["ALTER TABLE images ADD COLUMN cache_key TEXT", "ALTER TABLE images ADD COLUMN raw_path TEXT"],
    3: GALLERY_REBUILD,
}
INDEXES = """
CREATE INDEX IF NOT EXISTS images_cache ON images(cache_key);
CREATE INDEX IF NOT EXISTS jobs_request ON jobs(request_id) WHERE request_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS comparisons_request ON comparisons(request_id) WHERE request_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS comparison_panels_job ON comparison_panels(job_id);
"""
