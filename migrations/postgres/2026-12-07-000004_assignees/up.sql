-- Assignments: the staff user a story is assigned to (editors assign; an author may take an
-- unassigned story of their own). A deleted user leaves their stories unassigned. Short, so
-- kept in the row like the other short columns lists read.
ALTER TABLE articles ADD COLUMN assignee_id TEXT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE articles ALTER COLUMN assignee_id SET STORAGE MAIN;
CREATE INDEX articles_assignee_idx ON articles (assignee_id) WHERE assignee_id IS NOT NULL;
