-- Editorial history: expiry and trash on articles, revisions, old slugs, the audit log.

-- `unpublish_at`: the moment a published story leaves the public routes (NULL: never).
-- `trashed_at`: set while the article is in the trash; every route but the trash's skips it.
ALTER TABLE articles ADD COLUMN unpublish_at TIMESTAMP;
ALTER TABLE articles ADD COLUMN trashed_at TIMESTAMP;
ALTER TABLE articles ADD COLUMN trashed_by TEXT;
-- Short, like the other columns kept in the row (000006).
ALTER TABLE articles ALTER COLUMN trashed_by SET STORAGE MAIN;
CREATE INDEX articles_trashed_idx ON articles (trashed_at, id) WHERE trashed_at IS NOT NULL;

-- One row per version of an article. `state` is the JSON of every editable field and the
-- status as of that version, without the body; `body` is the Markdown, zstd-compressed.
CREATE TABLE article_revisions (
    article_id      TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    version         BIGINT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    actor_type      TEXT NOT NULL,
    actor_id        TEXT,
    actor_name      TEXT,
    action          TEXT NOT NULL,
    changed_fields  TEXT NOT NULL,
    state           TEXT NOT NULL,
    body            BYTEA NOT NULL,
    PRIMARY KEY (article_id, version)
);
ALTER TABLE article_revisions ALTER COLUMN body SET STORAGE EXTERNAL;

-- Slugs a resource had before: each points at the resource's id, whose current slug is the
-- one redirect target, so chains collapse by construction.
CREATE TABLE old_slugs (
    kind        TEXT COLLATE "C" NOT NULL,
    slug        TEXT COLLATE "C" NOT NULL,
    target_id   TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, slug)
);
CREATE INDEX old_slugs_target_idx ON old_slugs (kind, target_id);

-- Append-only: the API reads it and the retention sweep deletes from it, nothing else.
CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    at           TIMESTAMP NOT NULL,
    actor_type   TEXT NOT NULL,
    actor_id     TEXT,
    actor_name   TEXT,
    action       TEXT COLLATE "C" NOT NULL,
    target_type  TEXT COLLATE "C" NOT NULL,
    target_id    TEXT,
    request_id   TEXT,
    client_ip    TEXT,
    details      TEXT NOT NULL
);
CREATE INDEX audit_log_at_idx ON audit_log (at, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at, id);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, at, id);
