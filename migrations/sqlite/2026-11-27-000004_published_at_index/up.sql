-- The published_after and published_before filters compare published_at.
CREATE INDEX articles_published_at_idx ON articles (published_at);
