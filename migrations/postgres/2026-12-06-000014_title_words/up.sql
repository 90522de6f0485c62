-- Typeahead looks for word starts in titles alone. In `search_vector` a title's words are
-- told from the body's only by their weight, which the GIN index does not keep, so a prefix
-- query there read back every story with such a word anywhere (14,000 rows for `zit` in a
-- 100,000-story archive, to find 131 titles). `title_words` holds the title alone, indexed
-- on its own, and the trigger keeps it with the rest.
ALTER TABLE articles ADD COLUMN title_words tsvector;
ALTER TABLE articles ALTER COLUMN title_words SET STORAGE MAIN;

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

UPDATE articles SET title_words = to_tsvector(byline_search_config(), byline_fold(title));

CREATE INDEX articles_title_words_idx ON articles USING GIN (title_words);
