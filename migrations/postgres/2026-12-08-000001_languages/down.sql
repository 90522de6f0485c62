CREATE OR REPLACE FUNCTION byline_fold(t text) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF to_regprocedure('public.unaccent(text)') IS NOT NULL THEN
        RETURN public.unaccent(coalesce(t, ''));
    END IF;
    RETURN coalesce(t, '');
END
$$;
DROP TRIGGER articles_locale_search_trg ON articles;
CREATE OR REPLACE FUNCTION articles_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.title_words := to_tsvector(byline_search_config(), byline_fold(NEW.title));
    NEW.search_vector :=
        setweight(NEW.title_words, 'A') ||
        setweight(to_tsvector(byline_search_config(),
            byline_fold(coalesce(NEW.subtitle, '') || ' ' || coalesce(NEW.excerpt, '') || ' '
                || coalesce(NEW.tag_names, ''))), 'B') ||
        setweight(to_tsvector(byline_search_config(), byline_fold(NEW.body)), 'C');
    RETURN NEW;
END
$$;
DROP FUNCTION byline_locale_config(text);
ALTER TABLE tags DROP COLUMN descriptions;
ALTER TABLE tags DROP COLUMN names;
ALTER TABLE categories DROP COLUMN descriptions;
ALTER TABLE categories DROP COLUMN names;
DROP INDEX articles_locale_idx;
DROP INDEX articles_translation_locale_idx;
ALTER TABLE articles DROP COLUMN translation_group;
ALTER TABLE articles DROP COLUMN locale;
