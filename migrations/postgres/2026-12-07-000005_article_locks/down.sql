DROP TABLE article_locks;
