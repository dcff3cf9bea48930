-- A tenant's pages of GET /v1/servers are kept in memory by each replica (io.skydeck.compute.ServerPages)
-- and answered from there while none of their rows has changed. Every insert, update or delete of a
-- server row tells every replica: a NOTIFY on channel server_rows, sent by PostgreSQL when (and only
-- if) the transaction commits, whose payload is the tenant's id, then the row's place in every list
-- of servers — its created_at in microseconds since 1970 and its id (lists are read in that order) —
-- e.g. '<tenant> 1764669600123456 <id>'. A row whose place did not change sends one notification
-- however often a transaction updates it (identical notifications are folded). The replica's
-- listening connection (io.skydeck.platform.changes.TenantChanges) keeps the last few per tenant, so
-- that only the pages whose range holds the row are read again; a replica that is not listening
-- reads every page from the table.
CREATE FUNCTION server_row_place(tenant uuid, created timestamptz, id uuid) RETURNS text AS $$
    SELECT tenant::text || coalesce(' ' || (extract(epoch FROM created) * 1000000)::bigint::text || ' ' || id::text, '')
$$ LANGUAGE sql IMMUTABLE;

CREATE FUNCTION notify_server_rows() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('server_rows', server_row_place(OLD.tenant_id, OLD.created_at, OLD.id));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('server_rows', server_row_place(NEW.tenant_id, NEW.created_at, NEW.id));
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER server_rows_notify AFTER INSERT OR UPDATE OR DELETE ON server
    FOR EACH ROW EXECUTE FUNCTION notify_server_rows();

-- TRUNCATE fires no row trigger; tell every replica to forget every tenant's pages by ending its marks.
CREATE FUNCTION notify_server_rows_truncated() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('server_rows', '*');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER server_rows_truncate_notify AFTER TRUNCATE ON server
    FOR EACH STATEMENT EXECUTE FUNCTION notify_server_rows_truncated();
