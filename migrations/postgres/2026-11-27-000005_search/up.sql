-- Full-text search: a weighted tsvector kept by a trigger in the same transaction as the
-- write (title A, subtitle and excerpt B, body C), with a GIN index. Accents are folded with
-- unaccent where the extension can be installed; without it they must match exactly.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'unaccent is not available: search matches accents exactly';
END
$$;

-- The text-search configuration: the session setting byline.search_language (Byline sets
-- it on every connection from BYLINE_SEARCH_LANGUAGE), else english.
CREATE FUNCTION byline_search_config() RETURNS regconfig LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('byline.search_language', true), ''), 'english')::regconfig
$$;

CREATE FUNCTION byline_fold(t text) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF to_regprocedure('public.unaccent(text)') IS NOT NULL THEN
        RETURN public.unaccent(coalesce(t, ''));
    END IF;
    RETURN coalesce(t, '');
END
$$;

ALTER TABLE articles ADD COLUMN search_vector tsvector;

CREATE FUNCTION articles_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
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

UPDATE articles SET title = title;

CREATE INDEX articles_search_idx ON articles USING GIN (search_vector);
