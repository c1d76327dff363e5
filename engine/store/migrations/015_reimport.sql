-- Re-imports (issue 14). Importing a layer again replaces it in one transaction; what changed is
-- kept per record, and the score runs the change makes out of date are marked stale until the
-- next `vigie score` (or the re-score `vigie import` runs after committing) replaces them.

-- One row per record a re-import added, removed or changed (records left as they were are not
-- listed). `before` holds the removed record as it was stored, so a monument no longer protected
-- can still be shown with its reviews (site_review, site_vulnerability and audit rows are keyed
-- by the record id and are never deleted by an import).
CREATE TABLE import_changes (
  catalogue_id INTEGER NOT NULL,           -- the import that made the change
  record_table VARCHAR NOT NULL,           -- monuments | heritage_sites | communes | hazard_zones | ...
  record_id    VARCHAR NOT NULL,
  change       VARCHAR NOT NULL,           -- added | removed | changed
  had_review   BOOLEAN NOT NULL DEFAULT false, -- removed site with a review, vulnerability input or audit row
  before       JSON                        -- removed records only: the row as stored
);
CREATE INDEX import_changes_record ON import_changes (record_id);

-- NULL = the run is current; otherwise why it is out of date (which import, what changed).
ALTER TABLE score_runs ADD COLUMN stale_reason VARCHAR;
ALTER TABLE score_runs ADD COLUMN stale_since TIMESTAMP;
