-- GeoAwareness schema, version 18: a key the in-memory read model can hold (issue 21).
--
-- The service keeps a columnar copy of what heat maps filter and bin on, kept in step by the
-- observation feed: a changed row arrives again, and the copy must find the row it replaces.
-- Ids are the clients' strings (up to 128 characters), far more than the 64 bytes a row of the
-- copy may take; seq is a number the server issues once per row, never changed by an update, so
-- the copy finds a row through a dense array indexed by it (4 bytes a row). It only grows, so its
-- values append to the end of any index built on it.
ALTER TABLE observations ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;

-- A page of a query the model answered is read by these keys: appended at the index's right
-- edge, since the values only grow.
CREATE UNIQUE INDEX observations_seq_idx ON observations (seq);
