-- Focal points: crops of an image are cut around (focal_x, focal_y), each 0 to 1 from the
-- left and the top. focal_points keeps the points the item had before (thousandths,
-- "x,y;x,y"), so that the rendition URLs made for them stay valid.
ALTER TABLE media ADD COLUMN focal_x REAL NOT NULL DEFAULT 0.5
    CHECK (focal_x >= 0 AND focal_x <= 1);
ALTER TABLE media ADD COLUMN focal_y REAL NOT NULL DEFAULT 0.5
    CHECK (focal_y >= 0 AND focal_y <= 1);
ALTER TABLE media ADD COLUMN focal_points TEXT NOT NULL DEFAULT '';
