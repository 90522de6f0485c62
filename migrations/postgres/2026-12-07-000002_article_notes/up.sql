-- Internal notes: staff's comments on a story, never shown to the public. The author is
-- kept as they were named when they wrote (a user or an API token), and the users a note
-- mentions as a JSON array of {"id", "email"}.
CREATE TABLE article_notes (
    id           TEXT PRIMARY KEY,
    article_id   TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_type  TEXT NOT NULL CHECK (author_type IN ('user', 'token')),
    author_id    TEXT NOT NULL,
    author_name  TEXT,
    text         TEXT NOT NULL,
    mentions     TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

CREATE INDEX article_notes_article_idx ON article_notes (article_id, created_at, id);
