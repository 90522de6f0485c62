DROP INDEX articles_title_words_idx;

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

ALTER TABLE articles DROP COLUMN title_words;
