-- Public addresses (floating IPs, Elastic IPs) a tenant holds, and the server each points at.
CREATE TABLE public_ip (
    id                    uuid PRIMARY KEY,
    tenant_id             uuid         NOT NULL REFERENCES tenant (id),
    project_id            uuid         NOT NULL REFERENCES project (id),
    provider              varchar(64)  NOT NULL,
    region                varchar(64)  NOT NULL,
    provider_public_ip_id varchar(256),
    address               varchar(45),
    server_id             uuid         REFERENCES server (id),
    status                varchar(16)  NOT NULL,
    quota_reservation_id  uuid         REFERENCES quota_reservation (id),
    created_at            timestamptz  NOT NULL,
    updated_at            timestamptz  NOT NULL,
    released_at           timestamptz,
    version               bigint       NOT NULL
);
CREATE INDEX public_ip_by_tenant ON public_ip (tenant_id, created_at, id);
CREATE INDEX public_ip_by_time ON public_ip (created_at, id);
CREATE INDEX public_ip_by_server ON public_ip (server_id) WHERE server_id IS NOT NULL;
