-- Offline basemap layers (land, rivers, …) served to the web map as WGS84 GeoJSON.
CREATE TABLE basemap_layers (
  name         VARCHAR PRIMARY KEY,
  geojson      JSON NOT NULL,             -- FeatureCollection, EPSG:4326
  feature_count INTEGER NOT NULL,
  minx DOUBLE, miny DOUBLE, maxx DOUBLE, maxy DOUBLE, -- lon/lat bounds
  catalogue_id INTEGER NOT NULL
);
