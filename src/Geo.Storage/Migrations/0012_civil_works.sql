-- GeoAwareness schema, version 12: quick impact projects and civil assistance requests
-- (UN-CIMIC policy 10.2.6-10.2.8, annex A), each with its workflow; every step is audited by
-- the service. A place is a point, a community, or both; facility_ids: the facilities served.
CREATE TABLE quick_impact_projects (
    id                  text PRIMARY KEY COLLATE "C",
    title               text NOT NULL,
    sector              smallint NOT NULL,
    location            geometry(Point, 4326),
    community_id        text REFERENCES communities (id),
    facility_ids        text[] NOT NULL DEFAULT '{}',
    requested_by        text NOT NULL DEFAULT '',
    implemented_by      text NOT NULL DEFAULT '',
    budget_usd          numeric(14, 2) NOT NULL CHECK (budget_usd >= 0),
    planned_completion  date NOT NULL,
    state               smallint NOT NULL DEFAULT 1,    -- 1 proposed, 2 approved, 3 implementing, 4 completed, 5 cancelled
    approved_by         text NOT NULL DEFAULT '',
    completed_on        date,
    cancellation_reason text NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL DEFAULT now(),
    version             bigint NOT NULL DEFAULT 1,
    CHECK (location IS NOT NULL OR community_id IS NOT NULL)
);

CREATE TABLE civil_assistance_requests (
    id                  text PRIMARY KEY COLLATE "C",
    title               text NOT NULL,
    description         text NOT NULL DEFAULT '',
    location            geometry(Point, 4326),
    community_id        text REFERENCES communities (id),
    facility_ids        text[] NOT NULL DEFAULT '{}',
    requested_by        text NOT NULL DEFAULT '',
    implemented_by      text NOT NULL DEFAULT '',
    needed_from         date NOT NULL,
    needed_to           date NOT NULL CHECK (needed_to >= needed_from),
    last_resort         text NOT NULL DEFAULT '',
    state               smallint NOT NULL DEFAULT 1,    -- 1 requested, 2 reviewed, 3 approved, 4 refused, 5 executed, 6 closed
    requested_at        timestamptz NOT NULL DEFAULT now(),
    decided_by          text NOT NULL DEFAULT '',
    decided_at          timestamptz,
    refusal_reason      text NOT NULL DEFAULT '',
    version             bigint NOT NULL DEFAULT 1,
    CHECK (location IS NOT NULL OR community_id IS NOT NULL)
);

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'geoawareness_app') THEN
        GRANT SELECT, INSERT, UPDATE ON quick_impact_projects, civil_assistance_requests TO geoawareness_app;
    END IF;
END
$$;
