-- A tenant's network topology version (V31) was one row, which every server create of the tenant
-- in a network updated at its commit (the deferred trigger): with the quota's usage in shares (V60)
-- it was the row that one tenant's creates still waited on one after another, each holding it
-- through its commit's WAL flush (bench/README.md, "api", seventeenth session). The version is now
-- the sum of sixteen shares; a bump adds one to the share of the backend that commits it, so
-- concurrent transactions, always on different backends, seldom meet on one row. Every bump still
-- moves the sum, and a sum never goes back, so the version keeps its meaning for reachability.
ALTER TABLE network_topology_version ADD COLUMN share smallint NOT NULL DEFAULT 0 CHECK (share >= 0);
ALTER TABLE network_topology_version DROP CONSTRAINT network_topology_version_pkey;
ALTER TABLE network_topology_version ADD PRIMARY KEY (tenant_id, share);
ALTER TABLE network_topology_version ALTER COLUMN share DROP DEFAULT;

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
    PERFORM pg_notify('network_topology', changed::text);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
