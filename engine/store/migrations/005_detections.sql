-- LiDAR anomaly detections (issue 4). One row per candidate kept in a tile's core; positions in
-- Lambert-93 metres. A tile processed by a model is recorded in detection_tiles even when it
-- yields nothing, so reruns skip it (idempotent per tile × model hash).

CREATE TABLE detections (
  detection_id  VARCHAR PRIMARY KEY,     -- <model_hash>:<tile>:<n>
  tile          VARCHAR NOT NULL,        -- tile name without extension
  class         VARCHAR NOT NULL,        -- mound | kiln | enclosure | pit
  score         DOUBLE NOT NULL,         -- raw heatmap peak in [0, 1]
  confidence    DOUBLE,                  -- calibrated precision for this class and score
  level         VARCHAR NOT NULL,        -- doubtful | possible | probable | very_probable
  diameter_m    DOUBLE,
  x DOUBLE NOT NULL, y DOUBLE NOT NULL,  -- Lambert-93 centre
  novelty       VARCHAR NOT NULL,        -- connu (near a known archaeological site) | nouveau
  known_site_id VARCHAR,                 -- heritage_sites.site_id when connu
  model_hash    VARCHAR NOT NULL,        -- first 12 hex of the model file's sha256
  detected_at   TIMESTAMP NOT NULL DEFAULT now(),
  review_status VARCHAR DEFAULT NULL     -- set by the review workflow
);
CREATE INDEX detections_tile ON detections (tile, model_hash);

CREATE TABLE detection_tiles (
  tile         VARCHAR NOT NULL,
  model_hash   VARCHAR NOT NULL,
  source_file  VARCHAR NOT NULL,
  minx DOUBLE, miny DOUBLE, maxx DOUBLE, maxy DOUBLE,
  detections   INTEGER NOT NULL,
  processed_at TIMESTAMP NOT NULL DEFAULT now(),
  PRIMARY KEY (tile, model_hash)
);
