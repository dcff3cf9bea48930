-- Container pools join the placement ledger. A workload's replicas are held against its
-- provider region's row here: the create (and a scale that grows) locks the row and sums the live
-- workloads every replica recorded in that region, so two replicas cannot both fill the pool.
CREATE TABLE placement_pool (
    provider              varchar(64) NOT NULL,
    region                varchar(64) NOT NULL,
    capacity_cpu_millis   bigint      NOT NULL,
    capacity_memory_mib   bigint      NOT NULL,
    capacity_pods         bigint      NOT NULL,
    -- What the provider reports in use by things Skydeck does not hold.
    others_cpu_millis     bigint      NOT NULL DEFAULT 0,
    others_memory_mib     bigint      NOT NULL DEFAULT 0,
    others_pods           bigint      NOT NULL DEFAULT 0,
    refreshed_at          timestamptz NOT NULL,
    PRIMARY KEY (provider, region)
);
CREATE INDEX workload_live_by_pool ON workload (provider, region) WHERE status NOT IN ('DELETED', 'FAILED');

-- Growth in flight is held too: a scale holds the larger replica count, a resize the larger
-- flavor's resources, from the request until the operation ends (NULL: nothing beyond the current size).
ALTER TABLE workload ADD COLUMN held_replicas int;
ALTER TABLE server ADD COLUMN held_vcpu int, ADD COLUMN held_memory_mib bigint, ADD COLUMN held_gpu int;
