-- storyline schema, version 1 (SQLite). Records are stored whole as JSON (storyline.records.to_json);
-- the columns beside them exist only to look up, join and order.
-- Datetimes are UTC text 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (fixed width, so text order = time order).

CREATE TABLE raw_inputs (
    sha256      TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    media_type  TEXT NOT NULL DEFAULT '',
    encoding    TEXT NOT NULL DEFAULT '',
    data        BLOB NOT NULL,
    received_at TEXT NOT NULL
);

CREATE TABLE failures (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    name      TEXT NOT NULL,
    sha256    TEXT NOT NULL,
    message   TEXT NOT NULL,
    failed_at TEXT NOT NULL
);

-- The implicit rowid is kept (no WITHOUT ROWID): it is the key of the article in search_fts.
CREATE TABLE articles (
    id           TEXT PRIMARY KEY,
    raw_sha256   TEXT REFERENCES raw_inputs(sha256),
    url          TEXT NOT NULL DEFAULT '',
    outlet       TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL DEFAULT '',
    published_at TEXT,
    script       TEXT NOT NULL DEFAULT 'und',
    record       BLOB NOT NULL
);
CREATE INDEX articles_published ON articles (coalesce(published_at, '~'), id);
CREATE INDEX articles_raw ON articles (raw_sha256);

CREATE TABLE analyses (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    record     BLOB NOT NULL
);

CREATE TABLE stories (
    id           TEXT PRIMARY KEY,
    hotness      REAL NOT NULL DEFAULT 0,
    first_seen   TEXT,
    last_updated TEXT,
    record       BLOB NOT NULL
);
CREATE INDEX stories_hot ON stories (hotness DESC, id);

-- story_id has no foreign key on purpose: stories are rebuilt and replaced as a whole, and an
-- assignment may be written in the same transaction before the story row it points at.
CREATE TABLE story_articles (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    story_id   TEXT NOT NULL
);
CREATE INDEX story_articles_story ON story_articles (story_id);

CREATE TABLE story_aliases (
    alias    TEXT PRIMARY KEY,
    story_id TEXT NOT NULL
);
CREATE INDEX story_aliases_story ON story_aliases (story_id);

CREATE TABLE state (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- Search: pre-tokenised text (storyline.store.bigrams: CJK pairs + Latin words), rowid = articles.rowid.
CREATE VIRTUAL TABLE search_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');
