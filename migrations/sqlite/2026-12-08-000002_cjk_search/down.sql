DROP TRIGGER articles_fts_ai;
DROP TRIGGER articles_fts_ad;
DROP TRIGGER articles_fts_au;
DROP TABLE articles_fts;
DROP TRIGGER articles_cjk_ai;
DROP TRIGGER articles_cjk_au;
DROP TABLE articles_cjk_pending;
ALTER TABLE articles DROP COLUMN cjk_words;

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, subtitle, excerpt, body, tag_names,
    content = 'articles', content_rowid = 'rowid',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');

CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body, tag_names)
    VALUES (new.rowid, new.title, new.subtitle, new.excerpt, new.body, new.tag_names);
END;

CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, excerpt, body, tag_names)
    VALUES ('delete', old.rowid, old.title, old.subtitle, old.excerpt, old.body, old.tag_names);
END;

CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, subtitle, excerpt, body, tag_names ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, excerpt, body, tag_names)
    VALUES ('delete', old.rowid, old.title, old.subtitle, old.excerpt, old.body, old.tag_names);
    INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body, tag_names)
    VALUES (new.rowid, new.title, new.subtitle, new.excerpt, new.body, new.tag_names);
END;
