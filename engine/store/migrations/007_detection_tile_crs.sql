-- The CRS a tile was read in (its own, or the one given with --crs for an ASCII grid without
-- .prj), so review images can reopen it and place Lambert-93 detections on it.
ALTER TABLE detection_tiles ADD COLUMN crs VARCHAR;
