-- Slugs compare byte-wise ("C") so that keyset order is the same here as on SQLite.
CREATE TABLE categories (
    id          TEXT PRIMARY KEY,
    slug        TEXT COLLATE "C" NOT NULL,
    name        TEXT NOT NULL,
    description TEXT,
    parent_id   TEXT REFERENCES categories (id) ON DELETE RESTRICT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CONSTRAINT categories_slug_key UNIQUE (slug)
);

CREATE INDEX categories_parent_slug_idx ON categories (parent_id, slug);
