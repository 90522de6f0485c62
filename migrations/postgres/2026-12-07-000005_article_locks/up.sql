-- Edit locks: a soft, expiring claim by one user on a story, so that others learn that it is
-- being edited before they write. At most one per story; a take-over keeps whom it was
-- taken from. Taken and checked under the story's row lock.
CREATE TABLE article_locks (
    article_id   TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    taken_from   TEXT REFERENCES users (id) ON DELETE SET NULL,
    acquired_at  TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);

CREATE INDEX article_locks_expires_idx ON article_locks (expires_at);
