-- GeoAwareness schema, version 5: the time index carries what a heat map reads.
--
-- A heat map over a period reads every point in it: over a year of 1,000,000 observations
-- the whole table (347 MB), where a sequential scan took 270 ms of the database's time. The
-- B-tree on observed_at now also holds the point and the columns the filters test, so such a
-- read is an index-only scan of 73 MB (175 ms) and never touches the rows. It replaces the
-- plain index on observed_at (same key, same name) rather than adding a second one, so an
-- insert still updates one time index: bench/ingest.sh measured the difference (README).
-- Filters on ids (reporter, community, base) and weighting by affected people still read the
-- rows: the ids and the affected counts would make every index entry several times larger.
DROP INDEX observations_observed_at_idx;
CREATE INDEX observations_observed_at_idx ON observations (observed_at)
    INCLUDE (location, category, severity, verification, affected_groups, vulnerability);
