-- Languages. Each story has a BCP 47 tag; stories that translate each other share a
-- translation group (the id of the story the group began with), at most one per language.
-- The tag starts empty: start-up fills it with BYLINE_DEFAULT_LOCALE (a migration cannot
-- read settings), through the locale index.
ALTER TABLE articles ADD COLUMN locale TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ALTER COLUMN locale SET STORAGE MAIN;
ALTER TABLE articles ADD COLUMN translation_group TEXT;
ALTER TABLE articles ALTER COLUMN translation_group SET STORAGE MAIN;
CREATE UNIQUE INDEX articles_translation_locale_idx ON articles (translation_group, locale)
    WHERE translation_group IS NOT NULL;
CREATE INDEX articles_locale_idx ON articles (locale, published_sort, id);

-- Names and descriptions of sections and tags per language, as JSON objects keyed by tag.
ALTER TABLE categories ADD COLUMN names TEXT NOT NULL DEFAULT '{}';
ALTER TABLE categories ADD COLUMN descriptions TEXT NOT NULL DEFAULT '{}';
ALTER TABLE tags ADD COLUMN names TEXT NOT NULL DEFAULT '{}';
ALTER TABLE tags ADD COLUMN descriptions TEXT NOT NULL DEFAULT '{}';

-- Each story is indexed with its language's text-search configuration: the one of
-- BYLINE_SEARCH_LANGUAGE for stories in BYLINE_DEFAULT_LOCALE (the session settings Byline
-- sets on every connection), PostgreSQL's stemmer for the languages it ships, `simple`
-- (words as written, folded) for the rest. src/locale.rs holds the same table.
CREATE FUNCTION byline_locale_config(locale text) RETURNS regconfig LANGUAGE plpgsql STABLE AS $$
DECLARE
    config regconfig;
BEGIN
    IF locale = '' OR locale = current_setting('byline.default_locale', true) THEN
        RETURN byline_search_config();
    END IF;
    SELECT c.oid::regconfig INTO config FROM pg_ts_config AS c
    WHERE c.cfgnamespace = 'pg_catalog'::regnamespace AND c.cfgname = CASE lower(split_part(locale, '-', 1))
        WHEN 'ar' THEN 'arabic' WHEN 'hy' THEN 'armenian' WHEN 'eu' THEN 'basque'
        WHEN 'ca' THEN 'catalan' WHEN 'da' THEN 'danish' WHEN 'nl' THEN 'dutch'
        WHEN 'en' THEN 'english' WHEN 'fi' THEN 'finnish' WHEN 'fr' THEN 'french'
        WHEN 'de' THEN 'german' WHEN 'el' THEN 'greek' WHEN 'hi' THEN 'hindi'
        WHEN 'hu' THEN 'hungarian' WHEN 'id' THEN 'indonesian' WHEN 'ga' THEN 'irish'
        WHEN 'it' THEN 'italian' WHEN 'lt' THEN 'lithuanian' WHEN 'ne' THEN 'nepali'
        WHEN 'no' THEN 'norwegian' WHEN 'nb' THEN 'norwegian' WHEN 'nn' THEN 'norwegian'
        WHEN 'pt' THEN 'portuguese' WHEN 'ro' THEN 'romanian' WHEN 'ru' THEN 'russian'
        WHEN 'sr' THEN 'serbian' WHEN 'es' THEN 'spanish' WHEN 'sv' THEN 'swedish'
        WHEN 'ta' THEN 'tamil' WHEN 'tr' THEN 'turkish' WHEN 'yi' THEN 'yiddish'
        ELSE 'simple' END;
    RETURN coalesce(config, 'simple'::regconfig);
END
$$;

CREATE OR REPLACE FUNCTION articles_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    config regconfig := byline_locale_config(NEW.locale);
BEGIN
    NEW.title_words := to_tsvector(config, byline_fold(NEW.title));
    NEW.search_vector :=
        setweight(NEW.title_words, 'A') ||
        setweight(to_tsvector(config,
            byline_fold(coalesce(NEW.subtitle, '') || ' ' || coalesce(NEW.excerpt, '') || ' '
                || coalesce(NEW.tag_names, ''))), 'B') ||
        setweight(to_tsvector(config, byline_fold(NEW.body)), 'C');
    RETURN NEW;
END
$$;

-- A story moved to a language with another configuration is indexed again. Start-up's
-- filling of the first tags (from '') is not such a move: those stories were indexed with
-- the default configuration already.
CREATE TRIGGER articles_locale_search_trg
    BEFORE UPDATE OF locale ON articles
    FOR EACH ROW
    WHEN (OLD.locale <> '' AND OLD.locale IS DISTINCT FROM NEW.locale)
    EXECUTE FUNCTION articles_search_vector();

-- Chinese and Japanese write words without spaces between them, and the text-search parser
-- takes a whole run of kana and ideographs for one word. Folding now sets each of those
-- characters apart, in stories and in queries alike, so a word is found as its characters
-- (Byline asks for them in sequence). Korean (Hangul) separates its words and is left as is.
CREATE OR REPLACE FUNCTION byline_fold(t text) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    folded text := coalesce(t, '');
BEGIN
    IF to_regprocedure('public.unaccent(text)') IS NOT NULL THEN
        folded := public.unaccent(folded);
    END IF;
    IF folded ~ '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]' THEN
        folded := regexp_replace(folded, '([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])', ' \1 ', 'g');
    END IF;
    RETURN folded;
END
$$;

-- Stories with such text are indexed again.
UPDATE articles SET title = title
WHERE (title || coalesce(subtitle, '') || coalesce(excerpt, '') || body)
    ~ '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]';
