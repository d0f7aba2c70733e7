-- Search orders by published_at DESC NULLS LAST, id DESC (the same tie-break as SQLite, which
-- scans its (published_at, id) index backwards); this index gives that order without a sort.
DROP INDEX IF EXISTS articles_newest;
CREATE INDEX articles_newest ON articles (published_at DESC NULLS LAST, id DESC);
