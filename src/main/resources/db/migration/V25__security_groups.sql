-- Tenant security groups: the rules Skydeck wants (the truth), and the provider's group they are applied to.
CREATE TABLE security_group (
    id                   uuid PRIMARY KEY,
    tenant_id            uuid         NOT NULL REFERENCES tenant (id),
    project_id           uuid         NOT NULL REFERENCES project (id),
    network_id           uuid         NOT NULL REFERENCES network (id),
    name                 varchar(63)  NOT NULL,
    description          varchar(255) NOT NULL,
    provider             varchar(64)  NOT NULL,
    region               varchar(64)  NOT NULL,
    provider_group_id    varchar(256),
    -- the rules as the tenant gave them, in their order (reachability names a rule by its position)
    rules                text         NOT NULL,
    status               varchar(16)  NOT NULL,
    created_at           timestamptz  NOT NULL,
    updated_at           timestamptz  NOT NULL,
    deleted_at           timestamptz,
    version              bigint       NOT NULL
);
CREATE INDEX security_group_by_tenant ON security_group (tenant_id, created_at, id);
CREATE INDEX security_group_by_time ON security_group (created_at, id);
CREATE INDEX security_group_by_network ON security_group (network_id) WHERE status NOT IN ('DELETED', 'FAILED');
CREATE UNIQUE INDEX security_group_live_name ON security_group (network_id, name) WHERE status NOT IN ('DELETED', 'FAILED');

-- Which servers and workloads a group applies to.
CREATE TABLE security_group_member (
    group_id     uuid         NOT NULL REFERENCES security_group (id),
    target_type  varchar(16)  NOT NULL CHECK (target_type IN ('server', 'workload')),
    target_id    uuid         NOT NULL,
    tenant_id    uuid         NOT NULL REFERENCES tenant (id),
    PRIMARY KEY (group_id, target_type, target_id)
);
CREATE INDEX security_group_member_by_target ON security_group_member (target_id);

-- A group whose rules in the provider are not the recorded ones is drift too.
ALTER TABLE drift_finding DROP CONSTRAINT drift_finding_kind_check;
ALTER TABLE drift_finding ADD CONSTRAINT drift_finding_kind_check CHECK (kind IN ('ORPHAN', 'GHOST', 'CHANGED'));
ALTER TABLE drift_finding DROP CONSTRAINT drift_finding_resource_type_check;
ALTER TABLE drift_finding ADD CONSTRAINT drift_finding_resource_type_check
    CHECK (resource_type IN ('SERVER', 'WORKLOAD', 'NETWORK', 'SUBNET', 'PUBLIC_IP', 'SECURITY_GROUP'));
ALTER TABLE drift_finding ADD COLUMN detail text;
