-- Every NOTIFY of V52, V53 and V56 was sent by the transaction that changed the rows. PostgreSQL
-- serialises the commits of all transactions that notify, on every database of the server: a lock
-- on its notification queue, taken just before the commit and held until after the commit's WAL
-- flush. So every server create and every change of a server's status, on every replica, committed
-- one at a time; at 300 creates/s it was the lock waited on most (bench/README.md, "api",
-- seventeenth session). The triggers now put the notification in change_outbox, which costs the
-- changing transaction an insert and no shared lock; each replica's relay
-- (io.skydeck.platform.changes.ChangeRelay) sends what is there in a transaction of its own, which
-- deletes the rows it sends (FOR UPDATE SKIP LOCKED: each row is sent once, by one replica), as soon
-- as one of its own commits changed such rows and every 20 ms otherwise. A notification still goes
-- out only once its change has committed, and identical ones sent together are folded into one, as
-- PostgreSQL folded those of one transaction.
CREATE TABLE change_outbox (
    id       bigserial PRIMARY KEY,
    channel  text NOT NULL,
    payload  text NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,
        autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 2000);

CREATE FUNCTION change_notify(p_channel text, p_payload text) RETURNS void AS $$
    INSERT INTO change_outbox (channel, payload) VALUES (p_channel, p_payload);
$$ LANGUAGE sql VOLATILE;

-- Sends up to p_limit of the oldest notifications waiting (identical ones once, in the order they
-- were written) and deletes them; answers how many rows it took. Its commit does not wait for the
-- WAL flush: the notifications go out at the commit either way, and if PostgreSQL crashed before
-- the flush the rows would come back and be sent again, which only makes a replica read again what
-- it kept. So the relay holds the notification queue's lock only briefly.
CREATE FUNCTION change_outbox_send(p_limit int) RETURNS int AS $$
DECLARE
    n record;
    taken int := 0;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    FOR n IN
        WITH sent AS (
            DELETE FROM change_outbox
            WHERE id IN (SELECT id FROM change_outbox ORDER BY id LIMIT p_limit FOR UPDATE SKIP LOCKED)
            RETURNING id, channel, payload)
        SELECT channel, payload, min(id) AS first, count(*) AS rows FROM sent GROUP BY channel, payload ORDER BY first
    LOOP
        PERFORM pg_notify(n.channel, n.payload);
        taken := taken + n.rows;
    END LOOP;
    RETURN taken;
END
$$ LANGUAGE plpgsql VOLATILE;

CREATE OR REPLACE FUNCTION notify_server_rows() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM change_notify('server_rows', server_row_place(OLD.tenant_id, OLD.created_at, OLD.id));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM change_notify('server_rows', server_row_place(NEW.tenant_id, NEW.created_at, NEW.id));
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION notify_server_rows_truncated() RETURNS trigger AS $$
BEGIN
    PERFORM change_notify('server_rows', '*');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION bump_network_topology_version() RETURNS trigger AS $$
DECLARE
    changed uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD.tenant_id;
    ELSE
        changed := NEW.tenant_id;
    END IF;
    INSERT INTO network_topology_version AS v (tenant_id, share, version) VALUES (changed, pg_backend_pid() % 16, 1)
        ON CONFLICT (tenant_id, share) DO UPDATE SET version = v.version + 1;
    PERFORM change_notify('network_topology', changed::text);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION notify_tenant_rows() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'tenant' THEN
        PERFORM change_notify('tenant_rows', OLD.id::text);
    ELSE
        PERFORM change_notify('tenant_rows', OLD.tenant_id::text);
        IF TG_OP = 'UPDATE' AND NEW.tenant_id IS DISTINCT FROM OLD.tenant_id THEN
            PERFORM change_notify('tenant_rows', NEW.tenant_id::text);
        END IF;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION notify_tenant_rows_truncated() RETURNS trigger AS $$
BEGIN
    PERFORM change_notify('tenant_rows', '*');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
