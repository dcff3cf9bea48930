-- Drift: what the latest inventory sync of each provider found that does not match Skydeck's
-- records. Each sync replaces its provider's findings, so these rows are always "as of synced_at".
CREATE TABLE drift_sync (
    provider   varchar(64)  PRIMARY KEY,
    synced_at  timestamptz  NOT NULL,
    -- why the last sync could not list the provider; its findings are then those of the sync before
    error      text
);

CREATE TABLE drift_finding (
    provider             varchar(64)  NOT NULL,
    -- ORPHAN: in the cloud, unknown to Skydeck; GHOST: recorded as existing, gone from the cloud
    kind                 varchar(16)  NOT NULL CHECK (kind IN ('ORPHAN', 'GHOST')),
    -- SKYDECK_TOKEN: carries a create token of Skydeck's (a lost create); NO_TOKEN: made outside Skydeck;
    -- RECORDED: a ghost, which Skydeck itself recorded
    origin               varchar(16)  NOT NULL CHECK (origin IN ('SKYDECK_TOKEN', 'NO_TOKEN', 'RECORDED')),
    resource_type        varchar(16)  NOT NULL CHECK (resource_type IN ('SERVER', 'WORKLOAD')),
    provider_resource_id varchar(256) NOT NULL,
    resource_id          uuid,
    tenant_id            uuid,
    name                 varchar(256),
    region               varchar(64),
    detected_at          timestamptz  NOT NULL,
    PRIMARY KEY (provider, resource_type, provider_resource_id)
);
