-- Review: a story its author hands in waits `in_review` for an editor to publish or return.
ALTER TABLE articles DROP CONSTRAINT articles_status_check;
ALTER TABLE articles ADD CONSTRAINT articles_status_check
    CHECK (status IN ('draft', 'in_review', 'scheduled', 'published', 'archived'));
