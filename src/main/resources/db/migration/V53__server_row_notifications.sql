-- A tenant's pages of GET /v1/servers are kept in memory by each replica (io.skydeck.compute.ServerPages)
-- and answered from there while none of the tenant's server rows has changed. Every insert, update
-- or delete of a server row tells every replica: a NOTIFY on channel server_rows with the tenant's
-- id, sent by PostgreSQL when (and only if) the transaction commits, one per tenant and transaction
-- however many rows it changed (identical notifications are folded). The replica's listening
-- connection (io.skydeck.platform.changes.TenantChanges) counts them; a replica that is not listening
-- reads every page from the table.
CREATE FUNCTION notify_server_rows() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('server_rows', OLD.tenant_id::text);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('server_rows', NEW.tenant_id::text);
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
