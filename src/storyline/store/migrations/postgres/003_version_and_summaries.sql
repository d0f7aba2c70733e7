-- What the web needs to serve cheaply (see the SQLite migration of the same number).
CREATE TABLE store_version (
    id    integer PRIMARY KEY CHECK (id = 1),
    epoch text NOT NULL,
    n     bigint NOT NULL
);
INSERT INTO store_version (id, epoch, n)
VALUES (1, substr(md5(random()::text || clock_timestamp()::text), 1, 16), 0);
ALTER TABLE stories ADD COLUMN summary bytea;
