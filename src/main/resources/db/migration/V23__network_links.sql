-- Links between two of a tenant's networks: peering inside one provider, VPN between providers.
CREATE TABLE network_link (
    id            uuid PRIMARY KEY,
    tenant_id     uuid         NOT NULL REFERENCES tenant (id),
    network_a     uuid         NOT NULL REFERENCES network (id),
    network_b     uuid         NOT NULL REFERENCES network (id),
    kind          varchar(16)  NOT NULL CHECK (kind IN ('PEERING', 'VPN')),
    status        varchar(16)  NOT NULL CHECK (status IN ('ACTIVE', 'DELETED')),
    created_at    timestamptz  NOT NULL,
    deleted_at    timestamptz,
    version       bigint       NOT NULL,
    CHECK (network_a < network_b)
);
CREATE INDEX network_link_by_tenant ON network_link (tenant_id, created_at, id);
CREATE INDEX network_link_by_a ON network_link (network_a) WHERE status = 'ACTIVE';
CREATE INDEX network_link_by_b ON network_link (network_b) WHERE status = 'ACTIVE';
-- One live link per pair: the pair is stored in id order, so (a, b) and (b, a) are one key.
CREATE UNIQUE INDEX network_link_live_pair ON network_link (network_a, network_b) WHERE status = 'ACTIVE';
