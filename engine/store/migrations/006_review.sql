-- Review workflow (issue 5): accounts and sessions, login throttling, the audit trail, monument
-- review status and detection decisions. Staff vulnerability input (etat_conservation,
-- mitigation, note) stays in site_vulnerability (004), which scoring reads; its `version` is the
-- optimistic-concurrency version of the whole monument review (0 = no row yet).

CREATE TABLE users (
  username      VARCHAR PRIMARY KEY,
  password_hash VARCHAR NOT NULL,          -- scrypt$N$r$p$salt_b64$hash_b64
  roles         VARCHAR[] NOT NULL,        -- lecteur | relecteur_monuments | relecteur_detections | administrateur
  created_at    TIMESTAMP NOT NULL DEFAULT now(),
  disabled      BOOLEAN NOT NULL DEFAULT false
);

-- The cookie holds 32 random bytes (hex); only their sha256 is stored.
CREATE TABLE sessions (
  id_hash     VARCHAR PRIMARY KEY,
  username    VARCHAR NOT NULL,
  csrf_token  VARCHAR NOT NULL,
  created_at  TIMESTAMP NOT NULL DEFAULT now(),
  last_seen   TIMESTAMP NOT NULL DEFAULT now(),
  expires_at  TIMESTAMP NOT NULL
);

CREATE TABLE login_attempts (
  username VARCHAR NOT NULL,
  ip       VARCHAR NOT NULL,
  "at"     TIMESTAMP NOT NULL DEFAULT now(),
  success  BOOLEAN NOT NULL
);

CREATE SEQUENCE audit_id_seq START 1;
CREATE TABLE audit (
  id        BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
  "at"      TIMESTAMP NOT NULL DEFAULT now(),
  username  VARCHAR NOT NULL,
  entity    VARCHAR NOT NULL,              -- site | detection | user
  entity_id VARCHAR NOT NULL,
  action    VARCHAR NOT NULL,              -- review | create | update
  before    JSON,
  after     JSON
);
CREATE INDEX audit_entity ON audit (entity, entity_id);

-- Monument review status; versioned together with site_vulnerability (same request, same version).
CREATE TABLE site_review (
  site_id     VARCHAR PRIMARY KEY,
  statut_revue VARCHAR NOT NULL            -- a_examiner | examine | visite_necessaire
);

CREATE TABLE detection_review (
  detection_id    VARCHAR PRIMARY KEY,
  decision        VARCHAR NOT NULL,        -- oui | non | peut_etre (mirrored in detections.review_status)
  corrected_class VARCHAR,                 -- mound | kiln | enclosure | pit
  note            VARCHAR,
  version         INTEGER NOT NULL,
  reviewed_by     VARCHAR NOT NULL,
  reviewed_at     TIMESTAMP NOT NULL DEFAULT now()
);
