-- Tags: see the PostgreSQL migration of the same name for why an article's tags are kept
-- both in `article_tags` and in its own row.
CREATE TABLE tags (
    id          TEXT PRIMARY KEY NOT NULL,
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    description TEXT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CONSTRAINT tags_slug_key UNIQUE (slug)
);

CREATE INDEX tags_name_key_idx ON tags (name_key, id);

CREATE TABLE article_tags (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id     TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_id, tag_id)
);

CREATE INDEX article_tags_tag_idx ON article_tags (tag_id, article_id);

ALTER TABLE articles ADD COLUMN tag_ids TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN tag_names TEXT NOT NULL DEFAULT '';

-- The search index gains the tag names: FTS5 tables cannot add columns, so it is made again.
DROP TRIGGER articles_fts_ai;
DROP TRIGGER articles_fts_ad;
DROP TRIGGER articles_fts_au;
DROP TABLE articles_fts;

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, subtitle, excerpt, body, tag_names,
    content = 'articles', content_rowid = 'rowid',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');

CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body, tag_names)
    VALUES (new.rowid, new.title, new.subtitle, new.excerpt, new.body, new.tag_names);
END;

CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, excerpt, body, tag_names)
    VALUES ('delete', old.rowid, old.title, old.subtitle, old.excerpt, old.body, old.tag_names);
END;

CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, subtitle, excerpt, body, tag_names ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, excerpt, body, tag_names)
    VALUES ('delete', old.rowid, old.title, old.subtitle, old.excerpt, old.body, old.tag_names);
    INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body, tag_names)
    VALUES (new.rowid, new.title, new.subtitle, new.excerpt, new.body, new.tag_names);
END;
