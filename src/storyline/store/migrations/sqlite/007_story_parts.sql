-- A story's record in parts (storyline.store.story_parts): stories.record holds a small header
-- (the story without its claims, paragraph groups and timeline), and its claims, id lists, groups'
-- members and timeline events are here in fixed-size chunks, so one more report to a big story
-- rewrites the chunks it changed, not the whole record. A record written before (whole) is still
-- read as it is, and written in parts by the story's next write.
CREATE TABLE story_parts (
    story_id TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    kind     INTEGER NOT NULL,
    part     INTEGER NOT NULL,
    data     BLOB NOT NULL,
    PRIMARY KEY (story_id, kind, part)
);
