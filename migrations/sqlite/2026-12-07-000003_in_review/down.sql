UPDATE articles SET status = 'draft' WHERE status = 'in_review';
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(
    sql,
    'CHECK (status IN (''draft'', ''in_review'', ''scheduled'', ''published'', ''archived''))',
    'CHECK (status IN (''draft'', ''scheduled'', ''published'', ''archived''))'
)
WHERE type = 'table' AND name = 'articles';
PRAGMA writable_schema = RESET;
CREATE TABLE in_review_schema_version (unused INTEGER);
DROP TABLE in_review_schema_version;
