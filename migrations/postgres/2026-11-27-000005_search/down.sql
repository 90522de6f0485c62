DROP INDEX articles_search_idx;
DROP TRIGGER articles_search_vector_trg ON articles;
DROP FUNCTION articles_search_vector();
ALTER TABLE articles DROP COLUMN search_vector;
DROP FUNCTION byline_fold(text);
DROP FUNCTION byline_search_config();
