-- GeoAwareness schema, version 15: advance notice to communities (issue 20, part 4; CLA policy
-- para 33: inform communities of military and police operations in advance). A check records the
-- communities a plan touches (touched_communities); each notice records that a community was
-- informed of a plan, when, by whom (the CLA's pseudonymous id, when given) and who recorded it.
ALTER TABLE planned_operations ADD COLUMN touched_communities text[] NOT NULL DEFAULT '{}';

CREATE TABLE operation_notices (
    operation_id    text NOT NULL REFERENCES planned_operations (id) COLLATE "C",
    community_id    text NOT NULL REFERENCES communities (id),
    informed_at     timestamptz NOT NULL,
    informed_by     text NOT NULL DEFAULT '',
    recorded_by     text NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (operation_id, community_id)
);

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'geoawareness_app') THEN
        GRANT SELECT, INSERT, UPDATE ON operation_notices TO geoawareness_app;
    END IF;
END
$$;
