-- GeoAwareness schema, version 4: exact incremental feeds.
--
-- A feed importer sends back the position of the last record it received and asks for
-- everything after it. Positions cannot be sequence numbers or timestamps: those are taken
-- before commit, so a transaction that commits late makes a row appear behind a position a
-- reader has already passed, and the row is never delivered. Instead every row records the id
-- of the transaction that last wrote it (change_xid, set again by every change), and a reader
-- only ever delivers rows whose transaction is older than the oldest one still running in its
-- snapshot (pg_snapshot_xmin). Those are settled: no transaction can still commit a row below
-- that watermark, so (change_xid, id) is a position that only grows for new and changed rows.
-- The B-tree serves both the page after a position and the feed's head for ETags.
ALTER TABLE observations ADD COLUMN change_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX observations_feed_idx ON observations (change_xid, id);
