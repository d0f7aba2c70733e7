-- What the web needs to serve cheaply.
-- store_version: one row, bumped inside every write_input transaction, so a reader learns with one
-- tiny query whether anything it rendered may have changed. epoch is random per database, so a
-- recreated database never repeats a (epoch, n) pair an HTTP client may hold as an ETag.
CREATE TABLE store_version (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch TEXT NOT NULL,
    n     INTEGER NOT NULL
);
INSERT INTO store_version (id, epoch, n) VALUES (1, lower(hex(randomblob(8))), 0);
-- summary: the story's StorySummary as JSON, written beside the full record by write_input, so the
-- hot list never decodes whole stories. NULL for rows written before this migration (filled by
-- migrate(), and computed on the fly by story_summaries() until then).
ALTER TABLE stories ADD COLUMN summary BLOB;
