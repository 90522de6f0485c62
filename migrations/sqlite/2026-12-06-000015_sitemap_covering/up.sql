-- The sitemap index numbers every public story in id order and takes each page's newest
-- change, and the section sitemap takes each section's newest change: both read every
-- public row, and a story's row carries its body, its HTML and more. These indexes hold
-- what those reads need, so SQLite answers them from the indexes alone.
CREATE INDEX articles_public_id_idx ON articles
    (id, status, published_sort, unpublish_at, trashed_at, updated_at);
CREATE INDEX articles_category_public_idx ON articles
    (category_id, status, published_sort, unpublish_at, trashed_at, updated_at);
