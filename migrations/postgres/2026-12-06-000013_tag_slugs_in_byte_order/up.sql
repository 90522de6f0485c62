-- Tag slugs compare byte by byte, as the other slug columns and SQLite's do: the search for
-- free slugs (`stem-` ≤ slug < `stem.`) then reads the index, and lists ordered by slug
-- come out the same on both engines whatever the database's collation.
ALTER TABLE tags ALTER COLUMN slug TYPE TEXT COLLATE "C";
