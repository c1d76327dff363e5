-- Core schema: catalogue of imported sources, import issues, communes, monuments.
-- Geometry is stored in Lambert-93 (EPSG:2154) metres; WGS84 only for display.

CREATE SEQUENCE catalogue_id_seq START 1;

CREATE TABLE catalogue (
  id            INTEGER PRIMARY KEY DEFAULT nextval('catalogue_id_seq'),
  kind          VARCHAR NOT NULL,          -- importer kind: communes, merimee, ...
  layer         VARCHAR NOT NULL,          -- logical layer name the rows belong to
  source_file   VARCHAR NOT NULL,
  checksum      VARCHAR NOT NULL,          -- sha256 of the file bytes
  vintage       VARCHAR,                   -- data date as published, when known
  licence       VARCHAR,
  crs           VARCHAR,
  feature_count INTEGER NOT NULL,
  rows_read     INTEGER NOT NULL,
  rows_flagged  INTEGER NOT NULL,
  imported_at   TIMESTAMP NOT NULL DEFAULT now(),
  report        JSON                       -- the validation report, as printed
);

CREATE TABLE import_issues (
  catalogue_id INTEGER NOT NULL,
  line         INTEGER,
  record_id    VARCHAR,
  reason       VARCHAR NOT NULL,           -- no_coordinates, placeholder_coordinates, outside_region, duplicate_reference, ...
  field        VARCHAR,
  value        VARCHAR,
  kept         BOOLEAN NOT NULL            -- true: row kept but flagged; false: row rejected
);

CREATE TABLE communes (
  code_insee  VARCHAR PRIMARY KEY,
  nom         VARCHAR NOT NULL,
  departement VARCHAR NOT NULL,
  region      VARCHAR,
  minx DOUBLE NOT NULL, miny DOUBLE NOT NULL, maxx DOUBLE NOT NULL, maxy DOUBLE NOT NULL,
  area_m2     DOUBLE NOT NULL,
  geometry    JSON NOT NULL,               -- GeoJSON geometry, EPSG:2154
  catalogue_id INTEGER NOT NULL
);

CREATE TABLE monuments (
  reference      VARCHAR PRIMARY KEY,      -- PA + 8 digits
  titre          VARCHAR,
  denomination   VARCHAR,
  typologie_protection VARCHAR,            -- as published
  protection     VARCHAR NOT NULL,         -- classe | inscrit | classe_inscrit | inconnue
  partielle      BOOLEAN NOT NULL,
  dates_protection VARCHAR,
  commune        VARCHAR,
  insee          VARCHAR,                  -- first INSEE code of the record
  insee_all      VARCHAR,                  -- all codes, comma-joined
  departement    VARCHAR,
  region         VARCHAR,
  siecle         VARCHAR,
  materiaux      VARCHAR,
  statut_juridique VARCHAR,
  adresse        VARCHAR,
  lon DOUBLE, lat DOUBLE,                  -- WGS84, null when flagged
  x DOUBLE, y DOUBLE,                      -- Lambert-93 metres, null when flagged
  position_status VARCHAR NOT NULL,        -- ok | missing | placeholder | outside_region
  catalogue_id   INTEGER NOT NULL
);
CREATE INDEX monuments_insee ON monuments (insee);
