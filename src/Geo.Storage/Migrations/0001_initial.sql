-- GeoAwareness schema, version 1.
-- Codes stored as smallint are defined once in Geo.Core (enums); CHECK constraints keep
-- anything else out. Every table keeps a version that changes with the row so that feeds
-- can tell importers what changed.

CREATE EXTENSION IF NOT EXISTS postgis;

-- Bases: where the mission is present (policy para 54: a base is staffed with at least two CLAs).
-- kind: 1 operating base, 2 company operating base, 3 temporary operating base, 4 surge/mobile team.
CREATE TABLE bases (
    id          text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
    name        text NOT NULL,
    kind        smallint NOT NULL CHECK (kind BETWEEN 1 AND 4),
    unit        text NOT NULL DEFAULT '',
    sector      text NOT NULL DEFAULT '',
    admin_area  text NOT NULL DEFAULT '',
    location    geometry(Point, 4326) NOT NULL,
    opened_on   date,
    closed_on   date,
    version     bigint NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (closed_on IS NULL OR opened_on IS NULL OR closed_on >= opened_on)
);
CREATE INDEX bases_location_gix ON bases USING gist (location);
CREATE INDEX bases_sector_idx ON bases (sector);

-- Communities (at risk or not): a point or a polygon.
-- population: 12 counts, sex (female, male, unknown) x age group (child, youth, adult, older),
-- in that order, or NULL when unknown. risk_level: 0 unknown, 1 low, 2 medium, 3 high, 4 critical.
CREATE TABLE communities (
    id                        text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
    name                      text NOT NULL,
    location                  geometry(Geometry, 4326) NOT NULL
                              CHECK (GeometryType(location) IN ('POINT', 'POLYGON', 'MULTIPOLYGON')),
    admin_area                text NOT NULL DEFAULT '',
    sector                    text NOT NULL DEFAULT '',
    population                integer[] CHECK (population IS NULL
                                  OR (cardinality(population) = 12 AND 0 <= ALL (population))),
    risk_level                smallint NOT NULL DEFAULT 0 CHECK (risk_level BETWEEN 0 AND 4),
    has_protection_plan       boolean NOT NULL DEFAULT false,
    has_protection_committee  boolean NOT NULL DEFAULT false,
    has_can_focal_point       boolean NOT NULL DEFAULT false,
    version                   bigint NOT NULL DEFAULT 1,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX communities_location_gix ON communities USING gist (location);
CREATE INDEX communities_risk_idx ON communities (risk_level);

-- CLA deployments: who is at which base when. cla_id is pseudonymous; sex 1 female, 2 male.
-- home_community_id / home_locality flag a deployment to the CLA's own locality (para 48).
CREATE TABLE cla_deployments (
    id                 text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
    cla_id             text NOT NULL CHECK (length(cla_id) BETWEEN 1 AND 128),
    sex                smallint NOT NULL CHECK (sex IN (1, 2)),
    base_id            text NOT NULL REFERENCES bases (id),
    from_date          date NOT NULL,
    to_date            date,
    temporary_duty     boolean NOT NULL DEFAULT false,
    home_locality      text NOT NULL DEFAULT '',
    home_community_id  text REFERENCES communities (id),
    version            bigint NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (to_date IS NULL OR to_date >= from_date)
);
CREATE INDEX cla_deployments_base_idx ON cla_deployments (base_id, from_date);
CREATE INDEX cla_deployments_cla_idx ON cla_deployments (cla_id);

-- Observations: what CLAs learn. Built for "this area, this period" over millions of rows:
-- a GiST index on the point and a B-tree on observed_at, combined by bitmap scans; the
-- affected-group bitmask and vulnerability flags are filtered in the same pass.
-- affected: 12 counts in the order of communities.population. affected_groups: bit
-- (sex * 4 + age) set where that count is above zero. The bulk path checks community and
-- base ids in its set-based merge rather than with per-row foreign-key triggers; registry
-- rows are never deleted, only closed.
-- location_precision: 1 exact, 2 approximate (within a few km), 3 village/town, 4 admin area.
-- category: 1 threat of physical violence, 2 armed group movement, 3 displacement,
-- 4 early-warning alert, 5 community engagement, 6 information harm (MDMH), 7 security incident
-- against a CLA, 8 other. verification: 1 reported, 2 verified, 3 discredited.
CREATE TABLE observations (
    id                  text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
    reporter_id         text NOT NULL,
    observed_at         timestamptz NOT NULL,
    reported_at         timestamptz NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now(),
    location            geometry(Point, 4326) NOT NULL,
    area                geometry(MultiPolygon, 4326),
    location_precision  smallint NOT NULL CHECK (location_precision BETWEEN 1 AND 4),
    category            smallint NOT NULL CHECK (category BETWEEN 1 AND 8),
    severity            smallint NOT NULL CHECK (severity BETWEEN 1 AND 5),
    affected            integer[] NOT NULL CHECK (cardinality(affected) = 12 AND 0 <= ALL (affected)),
    affected_groups     integer NOT NULL DEFAULT 0,
    vulnerability       integer NOT NULL DEFAULT 0,
    community_id        text,
    base_id             text,
    verification        smallint NOT NULL DEFAULT 1 CHECK (verification BETWEEN 1 AND 3),
    response            text,
    response_at         timestamptz,
    summary             text NOT NULL DEFAULT '',
    content_hash        bytea NOT NULL,
    version             bigint NOT NULL DEFAULT 1,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX observations_location_gix ON observations USING gist (location);
CREATE INDEX observations_observed_at_idx ON observations (observed_at);
CREATE INDEX observations_community_idx ON observations (community_id) WHERE community_id IS NOT NULL;
CREATE INDEX observations_base_idx ON observations (base_id) WHERE base_id IS NOT NULL;
CREATE INDEX observations_reporter_idx ON observations (reporter_id);

-- Verification history: every review is a new row; nothing is overwritten.
CREATE TABLE observation_reviews (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    observation_id  text NOT NULL REFERENCES observations (id),
    verification    smallint NOT NULL CHECK (verification BETWEEN 1 AND 3),
    response        text,
    response_at     timestamptz,
    reviewed_by     text NOT NULL,
    reviewed_at     timestamptz NOT NULL DEFAULT now(),
    note            text NOT NULL DEFAULT ''
);
CREATE INDEX observation_reviews_observation_idx ON observation_reviews (observation_id, reviewed_at);

-- Confidential material lives in its own schema so that privileges can keep it apart from
-- everything that is queried or exported (policy para 13).
CREATE SCHEMA confidential;

-- Sources: who told the CLA. Never exported; every read is audited.
CREATE TABLE confidential.sources (
    id              text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
    observation_id  text NOT NULL REFERENCES observations (id),
    kind            smallint NOT NULL DEFAULT 0,
    description     text NOT NULL DEFAULT '',
    contact         text NOT NULL DEFAULT '',
    recorded_by     text NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sources_observation_idx ON confidential.sources (observation_id);

-- Referrals: a victim who comes forward is referred, never interviewed (do no harm).
-- Only contact details and the receiving section are kept.
CREATE TABLE confidential.referrals (
    id               text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
    section          smallint NOT NULL,
    contact_details  text NOT NULL,
    submitted_by     text NOT NULL,
    submitted_at     timestamptz NOT NULL DEFAULT now(),
    content_hash     bytea NOT NULL
);
CREATE INDEX referrals_section_idx ON confidential.referrals (section, submitted_at);

-- Audit trail: append-only. The triggers below refuse UPDATE, DELETE and TRUNCATE for every
-- role, so the application cannot rewrite history even with a bug or an injected statement.
CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor        text NOT NULL,
    action       text NOT NULL,
    target_kind  text NOT NULL,
    target_id    text NOT NULL DEFAULT '',
    details      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_target_idx ON audit_log (target_kind, target_id);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
