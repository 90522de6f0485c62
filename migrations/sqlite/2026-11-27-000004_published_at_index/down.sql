DROP INDEX articles_published_at_idx;
