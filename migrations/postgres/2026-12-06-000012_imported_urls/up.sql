-- Where imported content used to live: the permalink and guid each imported story had on
-- the site it came from (WordPress), so that an old URL can be answered with where it is
-- now, and so that importing the same export again updates instead of duplicating.
CREATE TABLE imported_urls (
    source      TEXT COLLATE "C" NOT NULL,
    guid        TEXT COLLATE "C" NOT NULL,
    path        TEXT COLLATE "C" NOT NULL,
    link        TEXT NOT NULL,
    target_type TEXT COLLATE "C" NOT NULL,
    target_id   TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (source, guid)
);
CREATE INDEX imported_urls_path_idx ON imported_urls (path);
CREATE INDEX imported_urls_target_idx ON imported_urls (target_id);
