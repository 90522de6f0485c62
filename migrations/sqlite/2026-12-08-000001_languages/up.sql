-- Languages. Each story has a BCP 47 tag; stories that translate each other share a
-- translation group (the id of the story the group began with), at most one per language.
-- The tag starts empty: start-up fills it with BYLINE_DEFAULT_LOCALE (a migration cannot
-- read settings), through the locale index.
ALTER TABLE articles ADD COLUMN locale TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN translation_group TEXT;
CREATE UNIQUE INDEX articles_translation_locale_idx ON articles (translation_group, locale)
    WHERE translation_group IS NOT NULL;
CREATE INDEX articles_locale_idx ON articles (locale, published_sort, id);

-- Names and descriptions of sections and tags per language, as JSON objects keyed by tag.
ALTER TABLE categories ADD COLUMN names TEXT NOT NULL DEFAULT '{}';
ALTER TABLE categories ADD COLUMN descriptions TEXT NOT NULL DEFAULT '{}';
ALTER TABLE tags ADD COLUMN names TEXT NOT NULL DEFAULT '{}';
ALTER TABLE tags ADD COLUMN descriptions TEXT NOT NULL DEFAULT '{}';
