-- GeoAwareness schema, version 14: deconfliction of planned operations (issue 20, part 3).
-- A check records its result with the plan: clear (touches no protected site), flagged (touches a
-- notified site, or a site of a type the mission flags, within its buffer: flagged_sites), or
-- cleared by an override (its reason, by whom, when). An edit voids the result (the plan is
-- unchecked until checked again), so a later edit cannot slip past a check. A facility added,
-- moved, re-typed, notified or re-confirmed marks the open plans whose buffer reaches it for a
-- re-check (needs_recheck), whoever made the change.
ALTER TABLE planned_operations
    ADD COLUMN check_state      smallint NOT NULL DEFAULT 0,   -- 0 unchecked, 1 clear, 2 flagged, 3 cleared by override
    ADD COLUMN checked_at       timestamptz,
    ADD COLUMN flagged_sites    text[] NOT NULL DEFAULT '{}',
    ADD COLUMN override_reason  text NOT NULL DEFAULT '',
    ADD COLUMN overridden_by    text NOT NULL DEFAULT '',
    ADD COLUMN overridden_at    timestamptz,
    ADD COLUMN needs_recheck    boolean NOT NULL DEFAULT false;

CREATE FUNCTION mark_plans_for_recheck() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE planned_operations p SET needs_recheck = true
    WHERE p.ends_at > now() AND p.check_state <> 0
      AND ST_DWithin(NEW.location::geography, p.shape::geography, p.buffer_metres);
    RETURN NULL;
END
$$;

CREATE TRIGGER facilities_mark_plans AFTER INSERT OR UPDATE OF location, type, notified_on, last_confirmed_on ON facilities
    FOR EACH ROW EXECUTE FUNCTION mark_plans_for_recheck();
