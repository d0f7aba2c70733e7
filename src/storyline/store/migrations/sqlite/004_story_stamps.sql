-- stamp: store_version.n of the last write that changed what the story's pages show (its record, or
-- an article or analysis it lists), so the web can keep every other story's cached pages across a
-- write (Store.story_version). 0 for rows written before this migration: the first write that
-- touches such a story sets a number >= 1, so a change is never missed.
ALTER TABLE stories ADD COLUMN stamp INTEGER NOT NULL DEFAULT 0;
