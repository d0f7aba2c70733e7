-- Per-host politeness shared by every follower of the store (storyline.live): the earliest Unix
-- time (REAL, the followers' wall clock) at which the next request to a host may be sent. A
-- follower takes the host's turn here at the moment of each request (Store.take_host_turn),
-- so two followers together never ask one host faster than the configured rate.
CREATE TABLE host_gate (
  host TEXT PRIMARY KEY,
  next_at REAL NOT NULL
);
