DROP TRIGGER articles_fts_ai;
DROP TRIGGER articles_fts_ad;
DROP TRIGGER articles_fts_au;
DROP TABLE articles_fts;
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, subtitle, excerpt, body,
    content = 'articles', content_rowid = 'rowid',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');
CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body)
    VALUES (new.rowid, new.title, new.subtitle, new.excerpt, new.body);
END;
CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, excerpt, body)
    VALUES ('delete', old.rowid, old.title, old.subtitle, old.excerpt, old.body);
END;
CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, subtitle, excerpt, body ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, excerpt, body)
    VALUES ('delete', old.rowid, old.title, old.subtitle, old.excerpt, old.body);
    INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body)
    VALUES (new.rowid, new.title, new.subtitle, new.excerpt, new.body);
END;
DROP INDEX article_tags_tag_idx;
DROP TABLE article_tags;
DROP TABLE tags;
ALTER TABLE articles DROP COLUMN tag_names;
ALTER TABLE articles DROP COLUMN tag_ids;
