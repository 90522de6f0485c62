ALTER TABLE media DROP COLUMN focal_points;
ALTER TABLE media DROP COLUMN focal_y;
ALTER TABLE media DROP COLUMN focal_x;
