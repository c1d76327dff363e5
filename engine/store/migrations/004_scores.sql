-- Risk scores (issue 3): staff vulnerability input, scoring runs, and the terms of every score.
-- Only the latest run per site kind is kept (older rows are deleted when a run commits), so
-- these tables are always "current". Terms are stored compactly (integer keys) and read
-- through the score_terms view, which spells every term out.

-- Written by the review app: one row per site, optimistic concurrency on `version`.
CREATE TABLE site_vulnerability (
  site_id           VARCHAR PRIMARY KEY,   -- monument reference or heritage_sites.site_id
  etat_conservation VARCHAR,               -- bon | moyen | mauvais | peril (keys of config modifiers.etat_conservation)
  mitigation        VARCHAR,               -- free text; non-empty = mitigation measures in place
  note              VARCHAR,
  updated_by        VARCHAR,
  updated_at        TIMESTAMP NOT NULL DEFAULT now(),
  version           INTEGER NOT NULL DEFAULT 1
);

CREATE SEQUENCE score_run_seq START 1;
CREATE TABLE score_runs (
  run_id      INTEGER PRIMARY KEY DEFAULT nextval('score_run_seq'),
  site_kind   VARCHAR NOT NULL,            -- monument | archaeo | museum
  started_at  TIMESTAMP NOT NULL DEFAULT now(),
  seconds     DOUBLE,
  config_path VARCHAR,
  config_hash VARCHAR NOT NULL,            -- sha256 of config/risk.json as used
  config      JSON NOT NULL,
  n_sites     INTEGER,
  n_unplaced  INTEGER,                     -- records without a usable position (not scored)
  layers      JSON                         -- hazard layers used: name, hazard, kind, vintage
);

-- The sites as scored, with the commune they were placed in (polygon or record's INSEE code).
CREATE TABLE risk_sites (
  run_id      INTEGER NOT NULL,
  site_key    INTEGER NOT NULL,            -- row number inside the run
  site_id     VARCHAR NOT NULL,
  site_kind   VARCHAR NOT NULL,
  name        VARCHAR,
  typology    VARCHAR,
  protection  VARCHAR,
  insee       VARCHAR,
  commune_source VARCHAR,                  -- polygon | record | NULL (unknown)
  departement VARCHAR,
  region      VARCHAR,
  x DOUBLE, y DOUBLE
);

CREATE TABLE score_layers (run_id INTEGER, layer_key INTEGER, layer VARCHAR, hazard VARCHAR, kind VARCHAR, vintage VARCHAR, unit VARCHAR);
CREATE TABLE score_thresholds (run_id INTEGER, threshold_key INTEGER, text VARCHAR);
CREATE TABLE score_modifiers (run_id INTEGER, modifier_key INTEGER, modifier DOUBLE, detail VARCHAR);
CREATE TABLE score_weights (run_id INTEGER, hazard_key UTINYINT, hazard VARCHAR, weight DOUBLE);

-- One row per site × scenario × hazard. level_index NULL = « donnée absente ».
-- scenario_key indexes ['ref','+2.0','+2.7','+4.0'], hazard_key the HAZARDS list of engine/risk/config.ts.
CREATE TABLE score_terms_raw (
  run_id        INTEGER NOT NULL,
  site_key      INTEGER NOT NULL,
  scenario_key  UTINYINT NOT NULL,
  hazard_key    UTINYINT NOT NULL,
  value         DOUBLE,
  level_index   TINYINT,
  layer_key     INTEGER,
  threshold_key INTEGER,
  modifier_key  INTEGER
);

CREATE VIEW score_terms AS
SELECT t.run_id, s.site_id, s.site_kind,
       ['ref', '+2.0', '+2.7', '+4.0'][t.scenario_key + 1] AS scenario,
       w.hazard, t.value, l.unit,
       CASE WHEN t.level_index IS NULL THEN 'donnée absente'
            ELSE ['très faible', 'faible', 'moyen', 'fort'][t.level_index + 1] END AS level,
       t.level_index, w.weight, m.modifier, m.detail AS modifier_detail,
       CASE WHEN t.level_index IS NULL THEN NULL ELSE w.weight * t.level_index * m.modifier END AS term,
       l.layer AS source_layer, l.vintage, th.text AS threshold_used,
       t.scenario_key, t.hazard_key
FROM score_terms_raw t
JOIN risk_sites s ON s.run_id = t.run_id AND s.site_key = t.site_key
JOIN score_weights w ON w.run_id = t.run_id AND w.hazard_key = t.hazard_key
LEFT JOIN score_modifiers m ON m.run_id = t.run_id AND m.modifier_key = t.modifier_key
LEFT JOIN score_layers l ON l.run_id = t.run_id AND l.layer_key = t.layer_key
LEFT JOIN score_thresholds th ON th.run_id = t.run_id AND th.threshold_key = t.threshold_key;

-- Totals: score = Σ terms (no-data terms add nothing and are counted in n_no_data).
CREATE TABLE scores (
  run_id    INTEGER NOT NULL,
  site_id   VARCHAR NOT NULL,
  site_kind VARCHAR NOT NULL,
  scenario  VARCHAR NOT NULL,
  score     DOUBLE NOT NULL,
  max_level TINYINT,                       -- NULL when every hazard is « donnée absente »
  n_no_data INTEGER NOT NULL
);
CREATE INDEX scores_site ON scores (site_id);
