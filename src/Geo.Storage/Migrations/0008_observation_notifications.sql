-- GeoAwareness schema, version 8: watches hear of every committed change to observations.
--
-- Live watches (Observations.Watch) are driven by commits, not by polling: every statement that
-- writes observations sends a notification on channel geoawareness_observations, which
-- PostgreSQL delivers after the transaction commits (and never for one rolled back), once per
-- transaction. It carries nothing: what changed is read from the feed (migration 0004), under
-- the feed's watermark, so a watch delivers exactly what the feed does, in the same order.
CREATE FUNCTION notify_observation_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('geoawareness_observations', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER observations_notify_changed AFTER INSERT OR UPDATE OR DELETE ON observations
    FOR EACH STATEMENT EXECUTE FUNCTION notify_observation_change();
