-- Tags: topics that cut across sections. An article's tags are kept twice, on purpose:
-- `article_tags` (one row per pair, with the order) serves the `tag` filter and the counts;
-- `articles.tag_ids` (the ids in order, comma-separated) and `articles.tag_names` (for the
-- search vector) ride in the article's row, so that a page of articles needs no extra query
-- to show them. The write path keeps the three in step, in the change's transaction.
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
ALTER TABLE articles
    ALTER COLUMN tag_ids SET STORAGE MAIN,
    ALTER COLUMN tag_names SET STORAGE MAIN;

-- Tag names weigh as much as the subtitle and excerpt.
CREATE OR REPLACE FUNCTION articles_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector(byline_search_config(), byline_fold(NEW.title)), 'A') ||
        setweight(to_tsvector(byline_search_config(),
            byline_fold(coalesce(NEW.subtitle, '') || ' ' || coalesce(NEW.excerpt, '') || ' '
                || coalesce(NEW.tag_names, ''))), 'B') ||
        setweight(to_tsvector(byline_search_config(), byline_fold(NEW.body)), 'C');
    RETURN NEW;
END
$$;

DROP TRIGGER articles_search_vector_trg ON articles;
CREATE TRIGGER articles_search_vector_trg
    BEFORE INSERT OR UPDATE OF title, subtitle, excerpt, body, tag_names ON articles
    FOR EACH ROW EXECUTE FUNCTION articles_search_vector();
