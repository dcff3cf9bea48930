-- Platform foundation: tenancy, quotas, idempotency, audit.

CREATE TABLE tenant (
    id            uuid PRIMARY KEY,
    name          varchar(63)  NOT NULL UNIQUE,
    display_name  varchar(200) NOT NULL,
    status        varchar(16)  NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED')),
    created_at    timestamptz  NOT NULL,
    updated_at    timestamptz  NOT NULL,
    version       bigint       NOT NULL
);
CREATE INDEX tenant_by_time ON tenant (created_at, id);

CREATE TABLE project (
    id            uuid PRIMARY KEY,
    tenant_id     uuid         NOT NULL REFERENCES tenant (id),
    name          varchar(63)  NOT NULL,
    description   varchar(500),
    created_at    timestamptz  NOT NULL,
    updated_at    timestamptz  NOT NULL,
    version       bigint       NOT NULL,
    UNIQUE (tenant_id, name)
);
CREATE INDEX project_by_time ON project (created_at, id);
CREATE INDEX project_by_tenant ON project (tenant_id, created_at, id);

-- One row per tenant and resource kind. "used" only moves through a single conditional
-- UPDATE (used + n <= hard_limit), which is what keeps concurrent reservations honest.
CREATE TABLE quota (
    tenant_id     uuid         NOT NULL REFERENCES tenant (id),
    resource      varchar(32)  NOT NULL,
    hard_limit    bigint       NOT NULL CHECK (hard_limit >= 0),
    used          bigint       NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (tenant_id, resource)
);

CREATE TABLE quota_reservation (
    id            uuid PRIMARY KEY,
    tenant_id     uuid         NOT NULL REFERENCES tenant (id),
    purpose       varchar(200) NOT NULL,
    vcpu          bigint       NOT NULL DEFAULT 0,
    memory_gib    bigint       NOT NULL DEFAULT 0,
    servers       bigint       NOT NULL DEFAULT 0,
    workloads     bigint       NOT NULL DEFAULT 0,
    public_ips    bigint       NOT NULL DEFAULT 0,
    state         varchar(16)  NOT NULL CHECK (state IN ('HELD', 'RELEASED')),
    created_at    timestamptz  NOT NULL,
    released_at   timestamptz
);
CREATE INDEX quota_reservation_by_tenant ON quota_reservation (tenant_id, created_at, id);

-- Stored outcome of a creating POST, keyed by who sent it and the key they chose.
CREATE TABLE idempotency_record (
    scope         varchar(200) NOT NULL,
    idem_key      varchar(255) NOT NULL,
    request_hash  varchar(64)  NOT NULL,
    status        int,
    headers       text,
    body          text,
    created_at    timestamptz  NOT NULL,
    PRIMARY KEY (scope, idem_key)
);

CREATE TABLE audit_log (
    seq           bigserial    PRIMARY KEY,
    id            uuid         NOT NULL UNIQUE,
    occurred_at   timestamptz  NOT NULL,
    actor         varchar(200) NOT NULL,
    actor_role    varchar(32)  NOT NULL,
    tenant_id     uuid,
    action        varchar(64)  NOT NULL,
    target_type   varchar(64)  NOT NULL,
    target_id     varchar(100) NOT NULL,
    request_id    varchar(100),
    details       text
);
CREATE INDEX audit_by_time ON audit_log (occurred_at, id);
CREATE INDEX audit_by_tenant ON audit_log (tenant_id, occurred_at, id);

-- Append-only: the database itself refuses to rewrite history.
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
