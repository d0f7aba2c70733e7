-- Fetch state of live mode (storyline.live): one row per URL the follower asks, whether the user
-- listed it (a feed, a front page, a thread page: listed = 1) or it was found in a feed (an item's
-- page: listed = 0, origin = the feed). Times are Unix seconds (REAL), compared with the
-- follower's clock, so SQLite and PostgreSQL schedule alike. next_due NULL: retired, not asked
-- again. lease_owner/lease_until: the follower that is fetching it now and until when its claim
-- holds (an expired lease is free again, so a crashed follower's work is picked up).
CREATE TABLE fetch_state (
  url TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  outlet TEXT NOT NULL DEFAULT '',
  origin TEXT NOT NULL DEFAULT '',
  listed INTEGER NOT NULL DEFAULT 0,
  interval_s REAL,
  item BLOB,
  etag TEXT NOT NULL DEFAULT '',
  last_modified TEXT NOT NULL DEFAULT '',
  first_seen REAL NOT NULL,
  last_fetch REAL,
  last_change REAL,
  last_result TEXT NOT NULL DEFAULT '',
  items INTEGER NOT NULL DEFAULT 0,
  fetches INTEGER NOT NULL DEFAULT 0,
  not_modified INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  next_due REAL,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until REAL NOT NULL DEFAULT 0
);
CREATE INDEX fetch_state_due ON fetch_state (next_due) WHERE next_due IS NOT NULL;
CREATE INDEX fetch_state_origin ON fetch_state (origin);
