-- Review: a story its author hands in waits `in_review` for an editor to publish or return.
-- SQLite cannot alter a CHECK constraint. Allowing one more value changes nothing stored,
-- so this takes SQLite's documented shortcut for such changes instead of rebuilding the
-- table (with its indexes, triggers and the foreign keys that point at it): the table's
-- definition is edited in the schema, which is then reloaded.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(
    sql,
    'CHECK (status IN (''draft'', ''scheduled'', ''published'', ''archived''))',
    'CHECK (status IN (''draft'', ''in_review'', ''scheduled'', ''published'', ''archived''))'
)
WHERE type = 'table' AND name = 'articles';
PRAGMA writable_schema = RESET;
-- Fail (and roll back) unless the definition changed.
CREATE TEMP TABLE in_review_check (changed INTEGER NOT NULL CHECK (changed = 1));
INSERT INTO in_review_check
SELECT count(*) FROM sqlite_schema
WHERE type = 'table' AND name = 'articles' AND sql LIKE '%''in_review''%';
DROP TABLE in_review_check;
-- A change of schema moves its version, so every other connection reloads it too.
CREATE TABLE in_review_schema_version (unused INTEGER);
DROP TABLE in_review_schema_version;
