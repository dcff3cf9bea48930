-- A create's first read — the tenant it acts for and the project it names — is kept in memory by each
-- replica (io.skydeck.tenancy.ActingTenants) and used again while neither row has changed. Every update
-- or delete of a tenant or project row tells every replica: a NOTIFY on channel tenant_rows, sent by
-- PostgreSQL when (and only if) the transaction commits, whose payload is the tenant's id. An insert
-- needs none: only rows that were found are kept. A replica that is not listening reads the rows again.
CREATE FUNCTION notify_tenant_rows() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'tenant' THEN
        PERFORM pg_notify('tenant_rows', OLD.id::text);
    ELSE
        PERFORM pg_notify('tenant_rows', OLD.tenant_id::text);
        IF TG_OP = 'UPDATE' AND NEW.tenant_id IS DISTINCT FROM OLD.tenant_id THEN
            PERFORM pg_notify('tenant_rows', NEW.tenant_id::text);
        END IF;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER tenant_rows_notify AFTER UPDATE OR DELETE ON tenant
    FOR EACH ROW EXECUTE FUNCTION notify_tenant_rows();

CREATE TRIGGER project_rows_notify AFTER UPDATE OR DELETE ON project
    FOR EACH ROW EXECUTE FUNCTION notify_tenant_rows();

-- TRUNCATE fires no row trigger; tell every replica to forget what it kept by ending its marks.
CREATE FUNCTION notify_tenant_rows_truncated() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('tenant_rows', '*');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER tenant_rows_truncate_notify AFTER TRUNCATE ON tenant
    FOR EACH STATEMENT EXECUTE FUNCTION notify_tenant_rows_truncated();

CREATE TRIGGER project_rows_truncate_notify AFTER TRUNCATE ON project
    FOR EACH STATEMENT EXECUTE FUNCTION notify_tenant_rows_truncated();
