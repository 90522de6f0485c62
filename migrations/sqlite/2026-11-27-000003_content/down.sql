DROP TABLE articles;
DROP TABLE authors;
