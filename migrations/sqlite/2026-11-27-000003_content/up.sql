-- Bylines. `name_key` is the name transliterated to lowercase ASCII, for sorting and search.
CREATE TABLE authors (
    id          TEXT PRIMARY KEY NOT NULL,
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    bio         TEXT,
    avatar_url  TEXT,
    website     TEXT,
    email       TEXT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CONSTRAINT authors_slug_key UNIQUE (slug)
);

CREATE INDEX authors_name_idx ON authors (name_key, id);
CREATE INDEX authors_created_idx ON authors (created_at, id);

-- `published_sort` is `published_at`, or 9999-12-31 for articles never published, so that the
-- default order (newest first) is a keyset over a column without NULLs.
CREATE TABLE articles (
    id                    TEXT PRIMARY KEY NOT NULL,
    slug                  TEXT NOT NULL,
    title                 TEXT NOT NULL,
    title_key             TEXT NOT NULL,
    subtitle              TEXT,
    excerpt               TEXT,
    body                  TEXT NOT NULL,
    body_html             TEXT NOT NULL,
    status                TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'published', 'archived')),
    published_at          TIMESTAMP,
    published_sort        TIMESTAMP NOT NULL,
    author_id             TEXT REFERENCES authors (id) ON DELETE RESTRICT,
    category_id           TEXT REFERENCES categories (id) ON DELETE RESTRICT,
    cover_image_url       TEXT,
    word_count            INTEGER NOT NULL,
    reading_time_minutes  INTEGER NOT NULL,
    version               INTEGER NOT NULL,
    created_by            TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    CONSTRAINT articles_slug_key UNIQUE (slug)
);

CREATE INDEX articles_published_idx ON articles (published_sort, id);
CREATE INDEX articles_status_published_idx ON articles (status, published_sort, id);
CREATE INDEX articles_author_idx ON articles (author_id, published_sort, id);
CREATE INDEX articles_category_idx ON articles (category_id, published_sort, id);
CREATE INDEX articles_updated_idx ON articles (updated_at, id);
CREATE INDEX articles_title_idx ON articles (title_key, id);
CREATE INDEX articles_created_by_idx ON articles (created_by);
