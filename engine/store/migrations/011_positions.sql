-- Real published heritage data (issue 11): where a position comes from, monuments placed at
-- their commune when the file has no coordinates, museums linked to the monument housing them.

-- How the x/y (and lon/lat) of a site were obtained:
--   coordinates : from the file's own coordinates
--   commune     : no usable coordinates; a point inside the polygon of the site's INSEE commune
--                 (« position approchée : commune »); such a position says nothing finer than
--                 the commune, so only commune-level hazard layers describe it faithfully
--   NULL        : not placed (x/y NULL)
-- position_status keeps what was wrong with the coordinates field itself (missing, placeholder…).
ALTER TABLE monuments ADD COLUMN position_quality VARCHAR;
-- The protection text of the record (Mérimée « Précision protection » / PPRO), as published.
ALTER TABLE monuments ADD COLUMN precision_protection VARCHAR;
-- The INSEE code the position was taken from, when it differs from `insee` (a later code of a
-- merged commune found by name, or another code of a multi-commune record).
ALTER TABLE monuments ADD COLUMN insee_position VARCHAR;

ALTER TABLE heritage_sites ADD COLUMN position_quality VARCHAR;
-- Muséofile `refmer`: the Mérimée reference(s) (PA…, comma-joined) of the building housing the museum.
ALTER TABLE heritage_sites ADD COLUMN refmer VARCHAR;

-- A point inside each commune (Lambert-93), computed when communes are imported: where
-- commune-placed sites go. A table of its own, so the communes table keeps its shape.
CREATE TABLE commune_points (
  code_insee VARCHAR PRIMARY KEY,
  x DOUBLE NOT NULL,
  y DOUBLE NOT NULL
);
