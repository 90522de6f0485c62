-- Chinese and Japanese write words without spaces, and FTS5's unicode61 tokenizer takes a
-- whole run of kana and ideographs for one token, so a word inside a sentence was never
-- found. SQLite triggers cannot split text, and a tokenizer or SQL function of Byline's own
-- would make the database unwritable to any tool without it. So the stories that have such
-- text get a copy of it with those characters set apart (`cjk_words`, written by Byline
-- before each write commits and at start-up), indexed as one more column; a query looks
-- for such a word as its characters in sequence. Stories without such text leave it empty.
ALTER TABLE articles ADD COLUMN cjk_words TEXT NOT NULL DEFAULT '';

-- The stories whose `cjk_words` is to be written again; filled by triggers, emptied by Byline.
CREATE TABLE articles_cjk_pending (article_rowid INTEGER PRIMARY KEY);

-- Text that is not all ASCII (more bytes than characters) may hold kana or ideographs:
-- Byline checks each character of it (`is_cjk` in src/db/search.rs). Finding the ranges
-- themselves in SQL (a `GLOB` with a character class, `instr` on lead bytes) costs ten to
-- fifty times as much on a long story, for every write of such text.
CREATE TRIGGER articles_cjk_ai AFTER INSERT ON articles
WHEN length(new.title || coalesce(new.subtitle, '') || coalesce(new.excerpt, '') || new.body || new.tag_names)
    < length(CAST(new.title || coalesce(new.subtitle, '') || coalesce(new.excerpt, '') || new.body || new.tag_names AS BLOB))
BEGIN
    INSERT OR IGNORE INTO articles_cjk_pending (article_rowid) VALUES (new.rowid);
END;

CREATE TRIGGER articles_cjk_au AFTER UPDATE OF title, subtitle, excerpt, body, tag_names ON articles
WHEN old.cjk_words <> '' OR length(new.title || coalesce(new.subtitle, '') || coalesce(new.excerpt, '') || new.body || new.tag_names)
    < length(CAST(new.title || coalesce(new.subtitle, '') || coalesce(new.excerpt, '') || new.body || new.tag_names AS BLOB))
BEGIN
    INSERT OR IGNORE INTO articles_cjk_pending (article_rowid) VALUES (new.rowid);
END;

-- FTS5 tables cannot add columns: the index is made again with the new one.
DROP TRIGGER articles_fts_ai;
DROP TRIGGER articles_fts_ad;
DROP TRIGGER articles_fts_au;
DROP TABLE articles_fts;

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, subtitle, excerpt, body, tag_names, cjk_words,
    content = 'articles', content_rowid = 'rowid',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');

CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body, tag_names, cjk_words)
    VALUES (new.rowid, new.title, new.subtitle, new.excerpt, new.body, new.tag_names, new.cjk_words);
END;

CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, excerpt, body, tag_names, cjk_words)
    VALUES ('delete', old.rowid, old.title, old.subtitle, old.excerpt, old.body, old.tag_names, old.cjk_words);
END;

CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, subtitle, excerpt, body, tag_names, cjk_words ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, excerpt, body, tag_names, cjk_words)
    VALUES ('delete', old.rowid, old.title, old.subtitle, old.excerpt, old.body, old.tag_names, old.cjk_words);
    INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body, tag_names, cjk_words)
    VALUES (new.rowid, new.title, new.subtitle, new.excerpt, new.body, new.tag_names, new.cjk_words);
END;

-- The stories there are that may have such text are written at the next start.
INSERT INTO articles_cjk_pending (article_rowid)
SELECT rowid FROM articles
WHERE length(title || coalesce(subtitle, '') || coalesce(excerpt, '') || body || tag_names)
    < length(CAST(title || coalesce(subtitle, '') || coalesce(excerpt, '') || body || tag_names AS BLOB));
