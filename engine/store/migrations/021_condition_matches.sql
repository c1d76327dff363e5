-- The review list of condition surveys (issue 11, « Constats d'état à rapprocher »): each survey
-- the importer matched to a monument only uncertainly waits here, with its candidates, until a
-- reviewer says which monument it is (state `matched`: the survey is then written as a site
-- review exactly like a sure match, by that reviewer) or that it is none of them (`dismissed`).
-- Both decisions leave an audit row (entity `condition_match`, entity_id = id).
--
-- Key: (layer, survey_id) — the import layer (the file name unless --layer, so re-importing the
-- same file lands in the same layer) and the survey's own ID in that file. A re-import refreshes
-- a pending item in place (same id, new candidates and survey fields), removes pending items
-- whose survey is no longer uncertain (or no longer in the file), and never re-queues a decided
-- one: the decision holds for that survey in every later import of the layer
-- (condition_surveys.match = 'confirmed' with the chosen site_id, or 'dismissed').
CREATE SEQUENCE condition_match_id_seq START 1;
CREATE TABLE condition_matches (
  id             BIGINT PRIMARY KEY DEFAULT nextval('condition_match_id_seq'),
  layer          VARCHAR NOT NULL,
  survey_id      VARCHAR NOT NULL,
  source_file    VARCHAR NOT NULL,         -- the file's name as imported (last import that wrote the item)
  line           INTEGER NOT NULL,         -- line of the survey's record in that file
  nom            VARCHAR,
  arrondissement VARCHAR,
  lon DOUBLE, lat DOUBLE,                  -- WGS84 as published
  x DOUBLE, y DOUBLE,                      -- Lambert-93
  status         VARCHAR,                  -- as written (bon | moyen | mauvais | péril | …)
  etat           VARCHAR,                  -- bon | moyen | mauvais | peril, NULL if unknown (no review written then)
  dommages       DOUBLE,                   -- percent
  commentaire    VARCHAR,
  precision_text VARCHAR,
  survey_date    VARCHAR,                  -- YYYY-MM-DD
  insee          VARCHAR,                  -- commune and département of the best candidate (list filters)
  departement    VARCHAR,
  candidates     JSON NOT NULL,            -- [{reference, titre, commune, insee, departement, distance_m, similarity, same_protection, position, score}]
  state          VARCHAR NOT NULL,         -- pending | matched | dismissed
  site_id        VARCHAR,                  -- matched: the monument chosen
  review_written BOOLEAN NOT NULL DEFAULT false,
  resolved_by    VARCHAR,
  resolved_at    TIMESTAMP,
  catalogue_id   INTEGER NOT NULL,         -- the import that last wrote the item
  UNIQUE (layer, survey_id)
);
