-- SQLite compares tag slugs byte by byte already (BINARY); the PostgreSQL side of this
-- migration brings that engine in line.
SELECT 1;
