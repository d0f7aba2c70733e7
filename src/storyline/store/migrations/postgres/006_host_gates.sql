-- Per-host politeness shared by every follower of the store (storyline.live): the earliest Unix
-- time (the followers' wall clock) at which the next request to a host may be sent. A follower
-- takes the host's turn here at the moment of each request (Store.take_host_turn, one
-- UPSERT: the row lock orders followers on one host, other hosts never wait), so together they never ask one host
-- faster than the configured rate.
CREATE TABLE host_gate (
  host TEXT PRIMARY KEY,
  next_at DOUBLE PRECISION NOT NULL
);
