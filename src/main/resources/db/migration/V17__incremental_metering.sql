-- Incremental metering: the hourly close reads only the lifecycle events committed since the last
-- close and rewrites only the hours they touch (plus the current hour of resources still running).
--
-- "Since the last close" is decided by transaction ids, not clocks: every event carries the id of
-- the transaction that wrote it, and the close keeps a horizon below which every transaction had
-- ended (committed or not) when it last read the events. An event from a transaction that commits
-- late has an id at or above that horizon, so the next close still sees it; clocks of replicas and
-- commit order do not matter. The existing rows all get the migration's id: the first close after
-- the migration meters them once, as the old full close would have.
ALTER TABLE lifecycle_event ADD COLUMN recorded_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX lifecycle_by_recorded_xid ON lifecycle_event (recorded_xid);

-- One row. A close locks it (FOR UPDATE) for its whole transaction, so closes on several replicas
-- take turns, and advances it in that same transaction: a close that rolls back leaves it as it was.
CREATE TABLE metering_watermark (
    id            smallint     PRIMARY KEY CHECK (id = 1),
    horizon       xid8         NOT NULL,
    -- The instant up to which the last close metered resources still running (null before the first).
    closed_until  timestamptz
);
INSERT INTO metering_watermark (id, horizon, closed_until) VALUES (1, '0', NULL);

-- Resources whose timeline was still open at the last close: each close extends their usage up to
-- its own instant although no new event arrived for them.
CREATE TABLE metering_open_resource (
    resource_id  uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL
);

-- The close replaces a resource's hours from a given hour on.
CREATE INDEX usage_by_resource_hour ON usage_record (resource_id, period_start);
