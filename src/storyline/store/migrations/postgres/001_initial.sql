-- storyline schema, version 1 (PostgreSQL). The same tables as migrations/sqlite/001_initial.sql.
-- Records are stored whole as the JSON bytes of storyline.records.to_json in bytea, not jsonb:
-- jsonb rejects the \u0000 escape that real scraped text can contain, and bytea keeps the bytes
-- exactly, so "unchanged" is a byte comparison in both stores.

CREATE TABLE raw_inputs (
    sha256      text PRIMARY KEY,
    name        text NOT NULL,
    media_type  text NOT NULL DEFAULT '',
    encoding    text NOT NULL DEFAULT '',
    data        bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE failures (
    id        bigserial PRIMARY KEY,
    name      text NOT NULL,
    sha256    text NOT NULL,
    message   text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE articles (
    id           text PRIMARY KEY,
    raw_sha256   text REFERENCES raw_inputs(sha256),
    url          text NOT NULL DEFAULT '',
    outlet       text NOT NULL DEFAULT '',
    title        text NOT NULL DEFAULT '',
    published_at timestamptz,
    script       text NOT NULL DEFAULT 'und',
    record       bytea NOT NULL,
    -- Pre-tokenised search text (storyline.store.bigrams: CJK pairs + Latin words) with positions,
    -- built in Python and cast from tsvector's input syntax, so no text-search parser or locale
    -- decides what a CJK "word" is.
    search_tsv   tsvector NOT NULL DEFAULT ''::tsvector
);
CREATE INDEX articles_published ON articles ((coalesce(published_at, '9999-01-01 00:00:00+00'::timestamptz)), id);
CREATE INDEX articles_newest ON articles (published_at DESC NULLS LAST, id);
CREATE INDEX articles_raw ON articles (raw_sha256);
CREATE INDEX articles_search ON articles USING gin (search_tsv);

CREATE TABLE analyses (
    article_id text PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    record     bytea NOT NULL
);

CREATE TABLE stories (
    id           text PRIMARY KEY,
    hotness      double precision NOT NULL DEFAULT 0,
    first_seen   timestamptz,
    last_updated timestamptz,
    record       bytea NOT NULL
);
CREATE INDEX stories_hot ON stories (hotness DESC, id);

-- story_id has no foreign key on purpose (see the SQLite migration): stories are replaced whole.
CREATE TABLE story_articles (
    article_id text PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    story_id   text NOT NULL
);
CREATE INDEX story_articles_story ON story_articles (story_id);

CREATE TABLE story_aliases (
    alias    text PRIMARY KEY,
    story_id text NOT NULL
);
CREATE INDEX story_aliases_story ON story_aliases (story_id);

CREATE TABLE state (
    key   text PRIMARY KEY,
    value bytea NOT NULL
);
