-- GeoAwareness schema, version 16: re-check marks that live watches push (issue 20, part 3).
-- Migration 14's trigger only set needs_recheck, so a planner learnt of a mark only by reading the
-- plan again. Each mark is now also a row of operation_rechecks, placed like an observation in the
-- feed (the writing transaction's id, then the row's id; migration 4): a watch resumed from a
-- cursor replays the marks it missed among the observations, in one order, under one watermark,
-- and a notification on channel geoawareness_operations wakes the watches at commit.
--
-- A mark is recorded when a checked open plan goes from checked to needing a re-check; further
-- changes in its reach add none until it is checked again (that check sees them all), so a bulk
-- import pushes one event per plan, not one per site. An update that changes none of what the
-- check reads (a name, a capacity, a note) marks nothing any more: before, any UpdateFacility in
-- reach did, since it writes every column. Mark ids are random, so a cursor that names one says
-- nothing of which plan it was, nor how many marks there are.
CREATE TABLE operation_rechecks (
    id              text PRIMARY KEY COLLATE "C" DEFAULT 'rck-' || replace(gen_random_uuid()::text, '-', ''),
    operation_id    text NOT NULL REFERENCES planned_operations (id) COLLATE "C",
    facility_id     text NOT NULL REFERENCES facilities (id) COLLATE "C",
    reason          smallint NOT NULL,      -- 1 site added, 2 moved, 3 re-typed, 4 notification changed, 5 re-confirmed
    marked_at       timestamptz NOT NULL DEFAULT now(),
    change_xid      xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX operation_rechecks_feed_idx ON operation_rechecks (change_xid, id);

CREATE OR REPLACE FUNCTION mark_plans_for_recheck() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    why smallint;
BEGIN
    why := CASE
        WHEN TG_OP = 'INSERT' THEN 1
        WHEN NEW.location IS DISTINCT FROM OLD.location THEN 2
        WHEN NEW.type IS DISTINCT FROM OLD.type THEN 3
        WHEN NEW.notified_on IS DISTINCT FROM OLD.notified_on THEN 4
        WHEN NEW.last_confirmed_on IS DISTINCT FROM OLD.last_confirmed_on THEN 5
    END;
    IF why IS NULL THEN
        RETURN NULL;
    END IF;

    WITH marked AS (
        UPDATE planned_operations p SET needs_recheck = true
        WHERE p.ends_at > now() AND p.check_state <> 0 AND NOT p.needs_recheck
          AND ST_DWithin(NEW.location::geography, p.shape::geography, p.buffer_metres)
        RETURNING p.id
    )
    INSERT INTO operation_rechecks (operation_id, facility_id, reason) SELECT id, NEW.id, why FROM marked;
    IF FOUND THEN
        PERFORM pg_notify('geoawareness_operations', '');
    END IF;
    RETURN NULL;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'geoawareness_app') THEN
        GRANT SELECT, INSERT ON operation_rechecks TO geoawareness_app;
    END IF;
END
$$;
