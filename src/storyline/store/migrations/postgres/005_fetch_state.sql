-- Fetch state of live mode (see the SQLite migration of the same number). Claimed with
-- SELECT … FOR UPDATE SKIP LOCKED, so followers sharing the store never take the same row.
CREATE TABLE fetch_state (
  url text PRIMARY KEY,
  kind text NOT NULL,
  outlet text NOT NULL DEFAULT '',
  origin text NOT NULL DEFAULT '',
  listed boolean NOT NULL DEFAULT false,
  interval_s double precision,
  item bytea,
  etag text NOT NULL DEFAULT '',
  last_modified text NOT NULL DEFAULT '',
  first_seen double precision NOT NULL,
  last_fetch double precision,
  last_change double precision,
  last_result text NOT NULL DEFAULT '',
  items integer NOT NULL DEFAULT 0,
  fetches integer NOT NULL DEFAULT 0,
  not_modified integer NOT NULL DEFAULT 0,
  errors integer NOT NULL DEFAULT 0,
  failures integer NOT NULL DEFAULT 0,
  last_error text NOT NULL DEFAULT '',
  next_due double precision,
  lease_owner text NOT NULL DEFAULT '',
  lease_until double precision NOT NULL DEFAULT 0
);
CREATE INDEX fetch_state_due ON fetch_state (next_due) WHERE next_due IS NOT NULL;
CREATE INDEX fetch_state_origin ON fetch_state (origin);
