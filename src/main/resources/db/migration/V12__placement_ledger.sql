-- The placement ledger: what decides capacity across replicas. Each replica's placement engine is
-- a cache; a decision commits only after the chosen host's row here is locked and the live
-- servers on it (read from `server`, the record every replica writes) still leave room. Affinity
-- groups get a row to lock, so two first members cannot pick two zones at once.

CREATE TABLE placement_host (
    provider                  varchar(64)  NOT NULL,
    region                    varchar(64)  NOT NULL,
    zone                      varchar(64)  NOT NULL,
    host                      varchar(128) NOT NULL,
    capacity_vcpu             int          NOT NULL,
    capacity_memory_mib       bigint       NOT NULL,
    capacity_gpu              int          NOT NULL,
    -- What the provider reports in use by things Skydeck does not hold (other tenants of the cloud).
    others_vcpu               int          NOT NULL DEFAULT 0,
    others_memory_mib         bigint       NOT NULL DEFAULT 0,
    others_gpu                int          NOT NULL DEFAULT 0,
    refreshed_at              timestamptz  NOT NULL,
    PRIMARY KEY (provider, region, zone, host)
);

CREATE TABLE placement_group (
    tenant_id  uuid        NOT NULL,
    name       varchar(63) NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

-- The commit check sums the live servers of one host.
CREATE INDEX server_live_by_host ON server (provider, region, zone, host) WHERE status NOT IN ('DELETED', 'FAILED');
CREATE INDEX server_live_by_affinity ON server (tenant_id, affinity_group) WHERE affinity_group IS NOT NULL
    AND status NOT IN ('DELETED', 'FAILED');
