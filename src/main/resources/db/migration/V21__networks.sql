-- Tenant networks (VPCs) and their per-zone subnets, realised in a provider through operations.

-- A network is quota too: every tenant gets the row, at the default limit for new tenants.
ALTER TABLE quota_reservation ADD COLUMN networks bigint NOT NULL DEFAULT 0;
INSERT INTO quota (tenant_id, resource, hard_limit, used)
SELECT id, 'networks', 5, 0 FROM tenant
ON CONFLICT DO NOTHING;

CREATE TABLE network (
    id                   uuid PRIMARY KEY,
    tenant_id            uuid         NOT NULL REFERENCES tenant (id),
    project_id           uuid         NOT NULL REFERENCES project (id),
    name                 varchar(63)  NOT NULL,
    cidr                 varchar(43)  NOT NULL,
    ipv6_cidr            varchar(43),
    provider             varchar(64)  NOT NULL,
    region               varchar(64)  NOT NULL,
    provider_network_id  varchar(256),
    status               varchar(16)  NOT NULL,
    quota_reservation_id uuid         REFERENCES quota_reservation (id),
    created_at           timestamptz  NOT NULL,
    updated_at           timestamptz  NOT NULL,
    deleted_at           timestamptz,
    version              bigint       NOT NULL
);
CREATE INDEX network_by_tenant ON network (tenant_id, created_at, id);
CREATE INDEX network_by_time ON network (created_at, id);
-- A tenant's live networks never share a name: the name is how people tell them apart.
CREATE UNIQUE INDEX network_live_name ON network (tenant_id, name) WHERE status NOT IN ('DELETED', 'FAILED');

CREATE TABLE subnet (
    id                  uuid PRIMARY KEY,
    network_id          uuid         NOT NULL REFERENCES network (id),
    tenant_id           uuid         NOT NULL REFERENCES tenant (id),
    zone                varchar(64)  NOT NULL,
    cidr                varchar(43)  NOT NULL,
    provider_subnet_id  varchar(256),
    status              varchar(16)  NOT NULL,
    created_at          timestamptz  NOT NULL,
    updated_at          timestamptz  NOT NULL,
    version             bigint       NOT NULL,
    UNIQUE (network_id, zone)
);
