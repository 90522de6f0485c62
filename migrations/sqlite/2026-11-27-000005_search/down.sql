DROP TRIGGER articles_fts_au;
DROP TRIGGER articles_fts_ad;
DROP TRIGGER articles_fts_ai;
DROP TABLE articles_fts;
