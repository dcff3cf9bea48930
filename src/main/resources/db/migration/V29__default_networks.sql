-- A tenant's default network (its default VPC) in a provider's region: made by Skydeck on the first
-- server or workload created there without a networkId (io.skydeck.network.DefaultNetworks).
ALTER TABLE network ADD COLUMN is_default boolean NOT NULL DEFAULT false;

-- At most one live default network per tenant, provider and region. Two replicas' first creates both
-- insert it with INSERT ... ON CONFLICT DO NOTHING: the later one waits on this index for the first
-- to commit, inserts nothing, and reads the winner's row. A DELETING default still counts (its delete
-- may fail and make it AVAILABLE again); a FAILED or DELETED one does not, so the next create makes a new one.
CREATE UNIQUE INDEX network_default ON network (tenant_id, provider, region)
    WHERE is_default AND status NOT IN ('DELETED', 'FAILED');
