-- Hazard and extra heritage layers (issue 3). Everything geometric is in Lambert-93 (EPSG:2154)
-- metres; bounding boxes are stored beside the GeoJSON so scoring can prefilter in plain SQL.

-- One row per imported hazard layer: what it is and where it came from.
CREATE TABLE hazard_layers (
  layer        VARCHAR PRIMARY KEY,
  hazard       VARCHAR NOT NULL,   -- flood | coastal_retreat | clay | seismic | heat | drought | wildfire
  kind         VARCHAR NOT NULL,   -- zones | lines | commune_table | climate_grid | raster
  source_file  VARCHAR,
  raster_path  VARCHAR,            -- absolute path, rasters only (sampled at scoring time)
  crs          VARCHAR,            -- CRS of the source (rasters keep theirs)
  vintage      VARCHAR,
  licence      VARCHAR,
  catalogue_id INTEGER NOT NULL,
  format       VARCHAR,            -- geojson | gpkg | fgb | shp | csv | drias | geotiff
  schema       VARCHAR,            -- detected flavour: tri | rga | ppr | generic | cerema | ...
  feature_count INTEGER,
  nodata       DOUBLE,             -- rasters
  minx DOUBLE, miny DOUBLE, maxx DOUBLE, maxy DOUBLE  -- extent in EPSG:2154 (rasters: in their CRS)
);

-- Hazard polygons and lines. level_code is the source's own code (RGA NIVEAU 1-3, CNIG
-- niveaualea 0-7, TRI 1 = inside the scenario's envelope); value holds a measure (erosion taux,
-- NULL when the source has a placeholder: NULL is "no data", never 0).
CREATE TABLE hazard_zones (
  layer      VARCHAR NOT NULL,
  feature_id VARCHAR,
  hazard     VARCHAR NOT NULL,
  scenario   VARCHAR,            -- TRI 01For | 02Moy | 03Mcc | 04Fai, else NULL
  level_code INTEGER,
  value      DOUBLE,
  attrs      JSON,
  minx DOUBLE, miny DOUBLE, maxx DOUBLE, maxy DOUBLE,
  geometry   JSON                -- GeoJSON geometry, EPSG:2154
);
CREATE INDEX hazard_zones_layer ON hazard_zones (layer);

-- Hazards published by commune (seismic zoning, RGA class by commune).
CREATE TABLE hazard_by_commune (
  layer      VARCHAR NOT NULL,
  hazard     VARCHAR NOT NULL,
  code_insee VARCHAR NOT NULL,
  level_code INTEGER,
  value      DOUBLE,
  attrs      JSON
);
CREATE INDEX hazard_by_commune_insee ON hazard_by_commune (code_insee);

-- DRIAS climate indicators: one row per grid point × indicator × warming level.
CREATE TABLE climate_points (
  layer     VARCHAR NOT NULL,
  warming   VARCHAR NOT NULL,    -- ref | +2.0 | +2.7 | +4.0
  point     VARCHAR NOT NULL,
  lon DOUBLE, lat DOUBLE,        -- WGS84 as published
  x DOUBLE, y DOUBLE,            -- Lambert-93
  indicator VARCHAR NOT NULL,    -- NORTX35D_yr, NORTR_yr, NORSWI04_yr, NORIFM40_yr, ...
  value     DOUBLE
);
CREATE INDEX climate_points_layer ON climate_points (layer, indicator);

-- Heritage sites other than monuments: archaeological entities and museums.
CREATE TABLE heritage_sites (
  site_id   VARCHAR PRIMARY KEY,
  site_kind VARCHAR NOT NULL,    -- archaeo | museum
  name      VARCHAR,
  type      VARCHAR,
  periode   VARCHAR,
  insee     VARCHAR,
  x DOUBLE, y DOUBLE,            -- Lambert-93 point (centroid for polygons); NULL when unplaced
  minx DOUBLE, miny DOUBLE, maxx DOUBLE, maxy DOUBLE,
  geometry  JSON,                -- Lambert-93 GeoJSON for polygons/lines, NULL for points
  attrs     JSON,
  catalogue_id INTEGER,
  position_status VARCHAR,       -- ok | missing | placeholder | outside_france | swapped
  layer     VARCHAR              -- import layer the row came from (a re-import replaces it)
);

-- Sites patrimoniaux remarquables, keyed by commune (no geometry published).
CREATE TABLE spr (
  code_insee    VARCHAR NOT NULL,
  commune       VARCHAR,
  nom_spr       VARCHAR,
  date_creation VARCHAR,
  catalogue_id  INTEGER,
  layer         VARCHAR
);
