-- GeoAwareness schema, version 9: alerts, the things someone must act on.
--
-- An early warning (category 4, from a Community Alert Network), a security incident against a
-- CLA (category 7), and any observation at or above the configured severity opens an alert in
-- the same transaction that stores the observation: no alert can be lost between the two, and
-- replaying an observation opens nothing twice (one alert per observation). Only an observation
-- observed recently opens one: a bulk import of last year's reports is history, not a threat to
-- act on. The service keeps the severity threshold and that age in alert_settings
-- (GeoAwareness:Alerts:MinSeverity and MaxObservationAgeHours, written at start).
-- Its lifecycle: open -> acknowledged -> responded -> closed, each step by whom and when, each
-- audited by the service. Escalation (not acknowledged in time, no response within the limit)
-- is recorded once per kind. nearest: the nearest-presence answer when the alert opened
-- (filled by the service just after, as it knows which bases are staffed).
CREATE TABLE alert_settings (
    only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    min_severity    smallint NOT NULL DEFAULT 4 CHECK (min_severity BETWEEN 1 AND 6),
    max_age         interval NOT NULL DEFAULT '72 hours'
);
INSERT INTO alert_settings DEFAULT VALUES;

CREATE TABLE alerts (
    id                  text PRIMARY KEY,
    observation_id      text NOT NULL UNIQUE REFERENCES observations (id),
    kind                smallint NOT NULL,      -- 1 early warning, 2 severe threat, 3 security incident against a CLA
    severity            smallint NOT NULL,
    location            geometry(Point, 4326) NOT NULL,
    reporter_id         text NOT NULL,
    state               smallint NOT NULL DEFAULT 1,    -- 1 open, 2 acknowledged, 3 responded, 4 closed
    opened_at           timestamptz NOT NULL DEFAULT now(),
    acknowledged_at     timestamptz,
    acknowledged_by     text,
    responded_at        timestamptz,
    responded_by        text,
    response            text,
    closed_at           timestamptz,
    closed_by           text,
    closing_note        text,
    unacknowledged_escalated_at timestamptz,
    unanswered_escalated_at     timestamptz,
    nearest             jsonb,
    version             bigint NOT NULL DEFAULT 1,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_open_idx ON alerts (state, opened_at) WHERE state < 4;
CREATE INDEX alerts_location_gix ON alerts USING gist (location);

-- Statement-level, over the inserted rows at once: a bulk ingest (COPY) pays one insert, not a call per row.
CREATE FUNCTION open_alerts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO alerts (id, observation_id, kind, severity, location, reporter_id)
    SELECT 'alert-' || n.id, n.id,
           CASE n.category WHEN 4 THEN 1 WHEN 7 THEN 3 ELSE 2 END,
           n.severity, n.location, n.reporter_id
    FROM inserted n
    CROSS JOIN alert_settings s
    WHERE (n.category IN (4, 7) OR n.severity >= s.min_severity) AND n.observed_at >= now() - s.max_age
    ON CONFLICT (observation_id) DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER observations_open_alerts AFTER INSERT ON observations
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION open_alerts();

-- Watches hear of every alert opened or changed (escalated, acknowledged ...), after commit.
CREATE FUNCTION notify_alert_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('geoawareness_alerts', NEW.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER alerts_notify_changed AFTER INSERT OR UPDATE ON alerts
    FOR EACH ROW EXECUTE FUNCTION notify_alert_change();

-- The application role (migration 3) reads and moves alerts, and keeps the settings; the trigger
-- runs as whoever inserts the observation, so it needs to insert alerts too.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'geoawareness_app') THEN
        GRANT SELECT, INSERT, UPDATE ON alerts TO geoawareness_app;
        GRANT SELECT, UPDATE ON alert_settings TO geoawareness_app;
    END IF;
END
$$;
