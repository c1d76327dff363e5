-- Condition surveys (« constats d'état », issue 11): one row per surveyed monument as read from
-- the survey file, with the monument it was matched to. Sure matches are also written as site
-- reviews (site_vulnerability.etat_conservation, with an audit row naming the file and date);
-- uncertain ones wait here for a person (match = 'uncertain', candidates listed).
CREATE TABLE condition_surveys (
  layer          VARCHAR NOT NULL,         -- import layer (a re-import replaces it)
  survey_id      VARCHAR NOT NULL,         -- the survey's own ID
  nom            VARCHAR,                  -- monument name as written in the survey
  arrondissement VARCHAR,
  lon DOUBLE, lat DOUBLE,                  -- WGS84 as published
  x DOUBLE, y DOUBLE,                      -- Lambert-93
  status         VARCHAR,                  -- as written: bon | moyen | mauvais | péril | …
  etat           VARCHAR,                  -- bon | moyen | mauvais | peril (site review vocabulary), NULL if unknown
  dommages       DOUBLE,                   -- damage, percent
  commentaire    VARCHAR,
  precision_text VARCHAR,                  -- the survey's « Précision » (protection text of the monument)
  survey_date    VARCHAR,                  -- YYYY-MM-DD
  site_id        VARCHAR,                  -- matched monument reference (sure matches), else NULL
  match          VARCHAR NOT NULL,         -- sure | uncertain | none
  match_score    DOUBLE,
  match_distance_m DOUBLE,
  candidates     JSON,                     -- best candidates: [{reference, titre, distance_m, name, precision, score}]
  review_written BOOLEAN NOT NULL,
  catalogue_id   INTEGER NOT NULL
);
CREATE INDEX condition_surveys_site ON condition_surveys (site_id);
