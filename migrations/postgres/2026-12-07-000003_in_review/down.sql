UPDATE articles SET status = 'draft' WHERE status = 'in_review';
ALTER TABLE articles DROP CONSTRAINT articles_status_check;
ALTER TABLE articles ADD CONSTRAINT articles_status_check
    CHECK (status IN ('draft', 'scheduled', 'published', 'archived'));
