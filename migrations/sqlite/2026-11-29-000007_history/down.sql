DROP TABLE audit_log;
DROP TABLE old_slugs;
DROP TABLE article_revisions;
DROP INDEX articles_trashed_idx;
ALTER TABLE articles DROP COLUMN trashed_by;
ALTER TABLE articles DROP COLUMN trashed_at;
ALTER TABLE articles DROP COLUMN unpublish_at;
