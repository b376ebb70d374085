-- GeoAwareness schema, version 20: observations linked as reports of one event (issue 22).
--
-- One incident is often told by several CLAs. A supervisor links their observations; aggregates
-- asked to count events count the linked ones once. The event is a server-issued id shared by
-- its members; an observation in no event has none (it is an event of its own). Members are
-- found by the id when linking, unlinking and counting.
ALTER TABLE observations ADD COLUMN event_id text;

CREATE INDEX observations_event_idx ON observations (event_id) WHERE event_id IS NOT NULL;
