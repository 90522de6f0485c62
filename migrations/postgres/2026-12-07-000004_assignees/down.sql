DROP INDEX articles_assignee_idx;
ALTER TABLE articles DROP COLUMN assignee_id;
