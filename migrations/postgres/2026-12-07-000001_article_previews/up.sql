-- Preview links: a story shown, as the public would see it once published, to whoever holds
-- an unguessable link. Only the SHA-256 of the link's token is kept. A link dies with its
-- story (deleted here, trashed by the service) and at `expires_at`.
CREATE TABLE article_previews (
    id          TEXT PRIMARY KEY,
    article_id  TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL,
    version     BIGINT,
    created_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    CONSTRAINT article_previews_hash_key UNIQUE (token_hash)
);

CREATE INDEX article_previews_article_idx ON article_previews (article_id, created_at, id);
CREATE INDEX article_previews_expires_idx ON article_previews (expires_at);
