-- Typeahead looks for word starts in titles alone. A prefix query on the title column of
-- `articles_fts` reads every term with that prefix across all columns and then the
-- positions of each hit; `articles_titles` indexes the titles alone, with prefix indexes
-- for two to four letters, so a prefix is one lookup. Kept by triggers like the other.
CREATE VIRTUAL TABLE articles_titles USING fts5(
    title,
    content = 'articles', content_rowid = 'rowid',
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);

INSERT INTO articles_titles (articles_titles) VALUES ('rebuild');

CREATE TRIGGER articles_titles_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_titles (rowid, title) VALUES (new.rowid, new.title);
END;

CREATE TRIGGER articles_titles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_titles (articles_titles, rowid, title) VALUES ('delete', old.rowid, old.title);
END;

CREATE TRIGGER articles_titles_au AFTER UPDATE OF title ON articles BEGIN
    INSERT INTO articles_titles (articles_titles, rowid, title) VALUES ('delete', old.rowid, old.title);
    INSERT INTO articles_titles (rowid, title) VALUES (new.rowid, new.title);
END;
