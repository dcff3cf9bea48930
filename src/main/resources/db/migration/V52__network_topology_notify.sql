-- Reachability keeps each tenant's topology in memory and used to read the tenant's version
-- (V31) before every question to know whether it is still current. The same triggers now also
-- tell every replica: a NOTIFY on channel network_topology with the tenant's id as payload, sent
-- by PostgreSQL when (and only if) the changing transaction commits. PostgreSQL folds identical
-- notifications of one transaction into one, so a transaction that changes a thousand rows of a
-- tenant sends one. A replica that listens (io.skydeck.network.TopologyWatch) answers from memory
-- until a notification for the tenant arrives; one that does not, or whose listening connection
-- broke, reads the version as before.
CREATE OR REPLACE FUNCTION bump_network_topology_version() RETURNS trigger AS $$
DECLARE
    changed uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD.tenant_id;
    ELSE
        changed := NEW.tenant_id;
    END IF;
    INSERT INTO network_topology_version AS v (tenant_id, version) VALUES (changed, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET version = v.version + 1;
    PERFORM pg_notify('network_topology', changed::text);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
