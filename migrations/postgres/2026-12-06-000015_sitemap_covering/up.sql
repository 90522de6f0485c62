-- The sitemap index numbers every public story in id order and takes each page's newest
-- change, and the section and tag sitemaps take each one's newest change: both read every
-- public row. A story's row is wide (the search vector lives in it), about one per 8 KB
-- page, so reading them all read the whole table (100,000 pages for 100,000 stories).
-- These indexes carry what those reads need, so they are index-only scans of narrow
-- entries instead.
CREATE INDEX articles_public_id_idx ON articles (id)
    INCLUDE (status, published_sort, unpublish_at, trashed_at, updated_at);
CREATE INDEX articles_category_public_idx ON articles (category_id)
    INCLUDE (status, published_sort, unpublish_at, trashed_at, updated_at);
