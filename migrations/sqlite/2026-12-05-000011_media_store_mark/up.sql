-- The mark of the media folder the processes on this database share: the first process
-- to start writes its folder's mark, and a process whose folder carries another refuses
-- to serve media.
CREATE TABLE media_store_marks (
    kind TEXT PRIMARY KEY,
    mark TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
