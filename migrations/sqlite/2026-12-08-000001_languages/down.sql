ALTER TABLE tags DROP COLUMN descriptions;
ALTER TABLE tags DROP COLUMN names;
ALTER TABLE categories DROP COLUMN descriptions;
ALTER TABLE categories DROP COLUMN names;
DROP INDEX articles_locale_idx;
DROP INDEX articles_translation_locale_idx;
ALTER TABLE articles DROP COLUMN translation_group;
ALTER TABLE articles DROP COLUMN locale;
