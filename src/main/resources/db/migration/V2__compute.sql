-- Compute: servers, workloads, their placement decisions, asynchronous operations and the
-- lifecycle events billing meters from.

CREATE TABLE server (
    id                   uuid PRIMARY KEY,
    tenant_id            uuid         NOT NULL REFERENCES tenant (id),
    project_id           uuid         NOT NULL REFERENCES project (id),
    name                 varchar(63)  NOT NULL,
    flavor               varchar(64)  NOT NULL,
    image                varchar(128) NOT NULL,
    provider             varchar(64)  NOT NULL,
    region               varchar(64)  NOT NULL,
    zone                 varchar(64)  NOT NULL,
    host                 varchar(128),
    provider_server_id   varchar(128),
    status               varchar(16)  NOT NULL,
    vcpu                 int          NOT NULL,
    memory_mib           bigint       NOT NULL,
    gpu                  int          NOT NULL,
    hourly_price         numeric(20, 6),
    affinity_group       varchar(63),
    anti_affinity_group  varchar(63),
    quota_reservation_id uuid         REFERENCES quota_reservation (id),
    created_at           timestamptz  NOT NULL,
    updated_at           timestamptz  NOT NULL,
    deleted_at           timestamptz,
    version              bigint       NOT NULL
);
CREATE INDEX server_by_tenant ON server (tenant_id, created_at, id);
CREATE INDEX server_by_time ON server (created_at, id);

CREATE TABLE workload (
    id                   uuid PRIMARY KEY,
    tenant_id            uuid         NOT NULL REFERENCES tenant (id),
    project_id           uuid         NOT NULL REFERENCES project (id),
    name                 varchar(63)  NOT NULL,
    kind                 varchar(16)  NOT NULL,
    image                varchar(256) NOT NULL,
    replicas             int          NOT NULL,
    cpu_millis           bigint       NOT NULL,
    memory_mib           bigint       NOT NULL,
    provider             varchar(64)  NOT NULL,
    region               varchar(64)  NOT NULL,
    provider_workload_id varchar(256),
    status               varchar(16)  NOT NULL,
    quota_reservation_id uuid         REFERENCES quota_reservation (id),
    created_at           timestamptz  NOT NULL,
    updated_at           timestamptz  NOT NULL,
    deleted_at           timestamptz,
    version              bigint       NOT NULL
);
CREATE INDEX workload_by_tenant ON workload (tenant_id, created_at, id);
CREATE INDEX workload_by_time ON workload (created_at, id);

-- Why a resource landed where it did: kept as the JSON document the API returns.
CREATE TABLE placement_decision (
    resource_id  uuid PRIMARY KEY,
    tenant_id    uuid         NOT NULL REFERENCES tenant (id),
    decided_by   varchar(16)  NOT NULL,
    explanation  text         NOT NULL,
    decided_at   timestamptz  NOT NULL
);

-- Long work. A replica claims an operation by setting claimed_until; a crashed replica's claim
-- simply runs out and another (or the restarted one) resumes from the stored handle.
CREATE TABLE operation (
    id              uuid PRIMARY KEY,
    tenant_id       uuid         NOT NULL REFERENCES tenant (id),
    kind            varchar(32)  NOT NULL,
    target_type     varchar(16)  NOT NULL,
    target_id       uuid         NOT NULL,
    state           varchar(16)  NOT NULL CHECK (state IN ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED')),
    provider        varchar(64)  NOT NULL,
    params          text,
    provider_handle text,
    attempts        int          NOT NULL DEFAULT 0,
    next_attempt_at timestamptz  NOT NULL,
    claimed_until   timestamptz,
    error_type      varchar(64),
    error_detail    text,
    created_at      timestamptz  NOT NULL,
    updated_at      timestamptz  NOT NULL,
    finished_at     timestamptz
);
CREATE INDEX operation_due ON operation (next_attempt_at) WHERE state IN ('PENDING', 'RUNNING');
CREATE INDEX operation_by_target ON operation (target_id, created_at);
CREATE INDEX operation_by_tenant ON operation (tenant_id, created_at, id);

-- What happened to a resource and exactly when: the input of metering. Idempotent by id.
CREATE TABLE lifecycle_event (
    id                    uuid PRIMARY KEY,
    tenant_id             uuid         NOT NULL REFERENCES tenant (id),
    resource_type         varchar(16)  NOT NULL,
    resource_id           uuid         NOT NULL,
    kind                  varchar(16)  NOT NULL,
    occurred_at           timestamptz  NOT NULL,
    recorded_at           timestamptz  NOT NULL,
    provider              varchar(64)  NOT NULL,
    region                varchar(64)  NOT NULL,
    provider_resource_id  varchar(256),
    flavor                varchar(64),
    vcpu_millis           bigint       NOT NULL,
    memory_mib            bigint       NOT NULL,
    gpu                   int          NOT NULL,
    replicas              int          NOT NULL DEFAULT 1
);
CREATE INDEX lifecycle_by_resource ON lifecycle_event (resource_id, occurred_at);
CREATE INDEX lifecycle_by_tenant ON lifecycle_event (tenant_id, occurred_at);
