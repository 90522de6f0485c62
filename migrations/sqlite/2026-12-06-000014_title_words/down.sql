DROP TRIGGER articles_titles_au;
DROP TRIGGER articles_titles_ad;
DROP TRIGGER articles_titles_ai;
DROP TABLE articles_titles;
