-- GeoAwareness schema, version 17: indexes for the check of a planned operation (issue 20).
-- (Version 16 belongs to another branch in flight; the runner applies whatever is missing, in
-- version order, so the two may land in either order.)
--
-- The check measures every distance on the geography: ST_DWithin(location::geography, the plan's
-- route or area, its buffer), true metres anywhere on Earth. No index on the geometry serves that,
-- so each check read all of facilities, communities and presence, and every observation of the
-- last 30 days, computing a geodesic distance for each row. ST_DWithin uses an index on the same
-- expression through its bounding-box test. bench/operations.sh (a 60 km route, a 2 km buffer,
-- 50,000 facilities, 5,000 communities, 1,000,000 observations, a quiet machine): the check's median
-- went from 360 to 125 ms with these indexes alone; the facilities' query from 230 to 11 ms.
CREATE INDEX facilities_geography_idx ON facilities USING gist ((location::geography));
CREATE INDEX communities_geography_idx ON communities USING gist ((location::geography));
CREATE INDEX presence_geography_idx ON presence USING gist ((location::geography));

-- Observations: only the categories the check counts as threats (threat of physical violence, armed
-- group movement, displacement, early-warning alert), so that the bulk path keeps an entry for six
-- in ten rows, not all. The check's query names the same categories, which is what lets the planner
-- use a partial index. Inserting 1,000,000 rows into copies of the table (medians of runs
-- alternated on a quiet machine): 15.5 s without a geography index, 16.5 s with this one, 18.3 s
-- with one over every row.
CREATE INDEX observations_threat_geography_idx ON observations USING gist ((location::geography)) WHERE category IN (1, 2, 3, 4);
