-- Newest-first article order for search: scanned backwards, (published_at, id) gives
-- published_at DESC, id DESC with undated articles last (NULL sorts first ascending), so a query
-- matching many articles reads the first page off this index instead of sorting every match.
CREATE INDEX articles_newest ON articles (published_at, id);
