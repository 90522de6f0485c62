-- The media library. Files live in the media store under the SHA-256 of what was stored
-- (`originals/<sha256>`), so the same bytes uploaded twice are one file; rows refer to them.
CREATE TABLE media (
    id           TEXT PRIMARY KEY NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    alt          TEXT,
    caption      TEXT,
    credit       TEXT,
    created_by   TEXT,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

CREATE INDEX media_sha256_idx ON media (sha256);

ALTER TABLE articles ADD COLUMN cover_media_id TEXT REFERENCES media (id) ON DELETE RESTRICT;
CREATE INDEX articles_cover_media_idx ON articles (cover_media_id);
