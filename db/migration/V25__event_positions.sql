-- The event feed's position is given in commit order, not at INSERT. An event's id is taken when it is inserted,
-- but transactions commit in their own order: a reader at "after = 8" could see event 8 while event 7 was still
-- uncommitted, and never see 7. Now each event records the transaction that wrote it (txid, filled by default at
-- INSERT), and a reader first publishes, under one advisory lock, every unpublished event whose transaction ended
-- before any transaction still running began writing (txid < the snapshot's xmin): in (txid, id) order, numbered
-- after the highest position so far. Every event published later has a txid at or above that xmin, so positions only
-- grow and a reader's cursor never passes an event it has not seen.
ALTER TABLE events ADD COLUMN txid xid8;
ALTER TABLE events ALTER COLUMN txid SET DEFAULT pg_current_xact_id();
ALTER TABLE events ADD COLUMN position bigint;
-- Events written before this migration keep their id as their position (they were read in that order).
UPDATE events SET position = id;
CREATE UNIQUE INDEX events_by_position ON events (position);
CREATE INDEX events_unpublished ON events (txid, id) WHERE position IS NULL;
