-- GeoAwareness schema, version 13: planned operations (issue 20), confidential: readable by
-- military planners, UN-CIMIC officers and supervisors of their area, in no feed or export, every
-- read audited by the service. A plan has an area (polygon) or a route (line) and a buffer in true
-- metres; footprint is what it covers (the area or route grown by the buffer on the geography),
-- kept with the row so that area queries and scopes need no computation.
CREATE TABLE planned_operations (
    id              text PRIMARY KEY COLLATE "C",
    name            text NOT NULL,
    kind            smallint NOT NULL,      -- 1 patrol, 2 operation, 3 movement
    unit            text NOT NULL DEFAULT '',
    shape           geometry(Geometry, 4326) NOT NULL,      -- the area (polygon) or the route (line)
    buffer_metres   integer NOT NULL CHECK (buffer_metres BETWEEN 0 AND 50000),
    footprint       geometry(Geometry, 4326) NOT NULL,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL CHECK (ends_at > starts_at),
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    version         bigint NOT NULL DEFAULT 1
);
CREATE INDEX planned_operations_footprint_idx ON planned_operations USING gist (footprint);

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'geoawareness_app') THEN
        GRANT SELECT, INSERT, UPDATE ON planned_operations TO geoawareness_app;
    END IF;
END
$$;
