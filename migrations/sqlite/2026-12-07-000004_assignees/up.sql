-- Assignments: the staff user a story is assigned to (editors assign; an author may take an
-- unassigned story of their own). A deleted user leaves their stories unassigned.
ALTER TABLE articles ADD COLUMN assignee_id TEXT REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX articles_assignee_idx ON articles (assignee_id) WHERE assignee_id IS NOT NULL;
