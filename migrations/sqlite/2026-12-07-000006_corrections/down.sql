ALTER TABLE articles DROP COLUMN corrections;
DROP TABLE article_corrections;
