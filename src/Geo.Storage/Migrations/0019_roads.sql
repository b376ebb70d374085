-- GeoAwareness schema, version 19: the road network (issue 22). Roads are public geography:
-- readable by every role that reads coverage, written only by registry managers through import.
-- A road is one line of a feature of an imported dataset; its segments join vertices that roads
-- share where they meet (coordinates equal to 1e-7 degree), which is what routing walks.
CREATE TABLE road_vertices (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lon_e7      integer NOT NULL,
    lat_e7      integer NOT NULL,
    UNIQUE (lon_e7, lat_e7)
);

CREATE TABLE roads (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset     text NOT NULL COLLATE "C",
    feature_id  text NOT NULL,
    name        text NOT NULL DEFAULT '',
    class       smallint NOT NULL CHECK (class BETWEEN 1 AND 4),   -- 1 primary, 2 secondary, 3 track, 4 path
    seasonal    boolean NOT NULL,                                  -- closed in the rainy season
    one_way     boolean NOT NULL,                                  -- vehicles only from the first point to the last
    geom        geometry(LineString, 4326) NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX roads_dataset_idx ON roads (dataset);
CREATE INDEX roads_geom_idx ON roads USING gist (geom);

CREATE TABLE road_segments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    road_id     bigint NOT NULL REFERENCES roads ON DELETE CASCADE,
    source      bigint NOT NULL REFERENCES road_vertices,
    target      bigint NOT NULL REFERENCES road_vertices,
    length_m    double precision NOT NULL CHECK (length_m >= 0)   -- geodesic
);
CREATE INDEX road_segments_road_idx ON road_segments (road_id);
CREATE INDEX road_segments_source_idx ON road_segments (source);
CREATE INDEX road_segments_target_idx ON road_segments (target);

-- Bumped by every import, so that each service process rebuilds its in-memory network once.
CREATE TABLE road_network_version (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version     bigint NOT NULL
);
INSERT INTO road_network_version VALUES (true, 0);

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'geoawareness_app') THEN
        GRANT SELECT, INSERT, DELETE ON road_vertices, roads, road_segments TO geoawareness_app;
        GRANT SELECT, UPDATE ON road_network_version TO geoawareness_app;
    END IF;
END
$$;
