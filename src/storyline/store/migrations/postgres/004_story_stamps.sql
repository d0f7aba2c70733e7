-- stamp: store_version.n of the last write that changed what the story's pages show (see the SQLite
-- migration of the same number).
ALTER TABLE stories ADD COLUMN stamp bigint NOT NULL DEFAULT 0;
