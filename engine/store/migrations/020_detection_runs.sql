-- Detection runs keyed by content (issue 10). A tile is « already done » when the same bytes
-- (sha256 of the file) were processed by the same model (model_hash) with the same settings
-- (settings_hash: CRS override, calibration, margin, working pixel), whatever the file is called;
-- a new survey under an old name is processed and replaces that name's rows. `run_key` is
-- <sha256 first 32 hex>_<model_hash>_<settings_hash>: the job id of `vigie queue` too.
-- `context` lists the content hashes of the neighbour tiles that gave this tile its margins: a
-- run is reused only when every neighbour given now was already there (a new neighbour can
-- reveal an object on the seam that the tile alone had to drop).
ALTER TABLE detection_tiles ADD COLUMN content_hash VARCHAR;
ALTER TABLE detection_tiles ADD COLUMN settings_hash VARCHAR;
ALTER TABLE detection_tiles ADD COLUMN run_key VARCHAR;
ALTER TABLE detection_tiles ADD COLUMN context VARCHAR[];
CREATE INDEX detection_tiles_run ON detection_tiles (run_key);
