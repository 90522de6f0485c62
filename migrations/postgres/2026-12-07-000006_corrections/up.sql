-- Corrections: public, dated notes appended to a published story (a correction, a
-- clarification or an update), never edited or removed. The table is the record the
-- corrections page lists; the story keeps a copy as a JSON array so that every read of it
-- carries its corrections without another query.
CREATE TABLE article_corrections (
    id          TEXT PRIMARY KEY,
    article_id  TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('correction', 'clarification', 'update')),
    text        TEXT NOT NULL,
    created_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE INDEX article_corrections_created_idx ON article_corrections (created_at, id);
CREATE INDEX article_corrections_article_idx ON article_corrections (article_id, created_at);

ALTER TABLE articles ADD COLUMN corrections TEXT NOT NULL DEFAULT '[]';
ALTER TABLE articles ALTER COLUMN corrections SET STORAGE MAIN;
