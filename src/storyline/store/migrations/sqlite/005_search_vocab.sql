-- Per-term document counts of the search index (a read-only view FTS5 maintains itself, no
-- storage): search estimates how many articles a query matches from its rarest term here,
-- instead of counting the matches (a count(*) walks the whole posting list: ~45 ms for a
-- character pair in 60% of a million articles).
CREATE VIRTUAL TABLE IF NOT EXISTS search_vocab USING fts5vocab('search_fts', 'row');
