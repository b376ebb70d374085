-- GeoAwareness schema, version 21: saved what-if plans (issue 22). A plan is the request that
-- Coverage.PlanDeployment judges, kept as the API encodes it (protobuf), under a name; its report
-- is computed again whenever it is read, against the registry as it then is. places holds every
-- base the plan names or opens, so that a token scoped to an area sees only the plans wholly
-- inside it.
CREATE TABLE saved_plans (
    name        text PRIMARY KEY COLLATE "C",
    plan        bytea NOT NULL,
    places      geometry(MultiPoint, 4326) NOT NULL,
    saved_by    text NOT NULL,
    saved_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX saved_plans_places_idx ON saved_plans USING gist (places);

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'geoawareness_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON saved_plans TO geoawareness_app;
    END IF;
END
$$;
