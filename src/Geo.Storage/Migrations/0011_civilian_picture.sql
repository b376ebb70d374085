-- GeoAwareness schema, version 11: the civilian operational picture (UN-CIMIC policy 10.2.1):
-- administrative areas, organisations, their presence, and civilian facilities.
--
-- Administrative areas by P-code (COD-AB); civilian actors (organisations) and their presence
-- in the OCHA 3W/4W form. Every organisation and presence record carries a sharing level set by
-- the humanitarian liaison (para 3: perceived affiliation with the military endangers partners):
-- 1 public, 2 mission, 3 liaison-only. A presence is shared no further than its organisation.
-- A presence's place is a point or polygon, or an administrative area by P-code: then location
-- holds a copy of the area's shape (as it was when written), so that area queries need no join.
-- targeted / reached: 12 counts in the order of communities.population (sex x age group), or
-- NULL when not disaggregated; the totals are what the sheet said, NULL when it said nothing.
-- Two roles: the UN-CIMIC officer (10) and the humanitarian liaison (11).
ALTER TABLE access_tokens DROP CONSTRAINT access_tokens_role_check;
ALTER TABLE access_tokens ADD CONSTRAINT access_tokens_role_check CHECK (role BETWEEN 1 AND 11);

CREATE TABLE admin_areas (
    pcode           text PRIMARY KEY COLLATE "C",
    name            text NOT NULL,
    level           smallint NOT NULL CHECK (level IN (1, 2)),
    parent_pcode    text NOT NULL DEFAULT '' COLLATE "C",
    area            geometry(MultiPolygon, 4326) NOT NULL,
    version         bigint NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX admin_areas_area_idx ON admin_areas USING gist (area);

CREATE TABLE organisations (
    id              text PRIMARY KEY COLLATE "C",
    name            text NOT NULL,
    acronym         text NOT NULL DEFAULT '',
    kind            smallint NOT NULL,
    humanitarian    boolean NOT NULL DEFAULT false,
    sharing         smallint NOT NULL CHECK (sharing BETWEEN 1 AND 3),
    version         bigint NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE presence (
    id              text PRIMARY KEY COLLATE "C",
    organisation_id text NOT NULL REFERENCES organisations (id) COLLATE "C",
    sector          smallint NOT NULL,
    activity        text NOT NULL,
    location        geometry(Geometry, 4326) NOT NULL,
    given_location  boolean NOT NULL,           -- false: location is the P-code's area
    pcode           text NOT NULL DEFAULT '' COLLATE "C",
    location_name   text NOT NULL DEFAULT '',
    start_date      date NOT NULL,
    end_date        date CHECK (end_date IS NULL OR end_date >= start_date),
    status          smallint NOT NULL,
    targeted        integer[] CHECK (targeted IS NULL OR (cardinality(targeted) = 12 AND 0 <= ALL (targeted))),
    reached         integer[] CHECK (reached IS NULL OR (cardinality(reached) = 12 AND 0 <= ALL (reached))),
    targeted_total  integer CHECK (targeted_total >= 0),
    reached_total   integer CHECK (reached_total >= 0),
    sharing         smallint NOT NULL CHECK (sharing BETWEEN 1 AND 3),
    version         bigint NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX presence_location_idx ON presence USING gist (location);
CREATE INDEX presence_organisation_idx ON presence (organisation_id);

-- Civilian facilities, which are also protected sites: a type mapped to OpenStreetMap tags, the
-- operational status with when and by whom it was last confirmed, the humanitarian notification
-- record, and the OSM tags of the source that no column holds (tags).
CREATE TABLE facilities (
    id                  text PRIMARY KEY COLLATE "C",
    name                text NOT NULL,
    type                smallint NOT NULL,
    location            geometry(Geometry, 4326) NOT NULL,
    status              smallint NOT NULL,
    last_confirmed_on   date,
    confirmed_by        text NOT NULL DEFAULT '',
    capacity            integer CHECK (capacity >= 0),
    operator_id         text REFERENCES organisations (id) COLLATE "C",
    notified_on         date,
    notified_to         text NOT NULL DEFAULT '',
    acknowledged_on     date,
    reconfirm_by        date,
    tags                jsonb NOT NULL DEFAULT '{}',
    sharing             smallint NOT NULL CHECK (sharing BETWEEN 1 AND 3),
    version             bigint NOT NULL DEFAULT 1,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX facilities_location_idx ON facilities USING gist (location);

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'geoawareness_app') THEN
        GRANT SELECT, INSERT, UPDATE ON admin_areas, organisations, presence, facilities TO geoawareness_app;
    END IF;
END
$$;
