DROP TRIGGER articles_search_vector_trg ON articles;
CREATE OR REPLACE FUNCTION articles_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector(byline_search_config(), byline_fold(NEW.title)), 'A') ||
        setweight(to_tsvector(byline_search_config(),
            byline_fold(coalesce(NEW.subtitle, '') || ' ' || coalesce(NEW.excerpt, ''))), 'B') ||
        setweight(to_tsvector(byline_search_config(), byline_fold(NEW.body)), 'C');
    RETURN NEW;
END
$$;
CREATE TRIGGER articles_search_vector_trg
    BEFORE INSERT OR UPDATE OF title, subtitle, excerpt, body ON articles
    FOR EACH ROW EXECUTE FUNCTION articles_search_vector();
ALTER TABLE articles DROP COLUMN tag_names;
ALTER TABLE articles DROP COLUMN tag_ids;
DROP TABLE article_tags;
DROP TABLE tags;
