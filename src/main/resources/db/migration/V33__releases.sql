-- Releases (issue 10): applications, the groups they run on, the versions they ship, and the
-- releases that put a version onto a group the Tars way (smoke, bake, roll, brake).
--
-- The release's state machine lives in the release library (io.skydeck.release.rollout.Rollout);
-- its snapshot is stored whole in app_release.snapshot after every change, and the per-instance rows
-- and the events are the queryable, append-only record of the same changes (API, audit, SSE).

CREATE TABLE application (
    id          uuid         PRIMARY KEY,
    tenant_id   uuid         NOT NULL REFERENCES tenant (id),
    name        text         NOT NULL,
    created_at  timestamptz  NOT NULL,
    CONSTRAINT application_name_per_tenant UNIQUE (tenant_id, name)
);

-- A group is what a release rolls over: a set of the tenant's servers (kind SERVERS, members in
-- release_group_server, in release order: the first is the bastion) or one Kubernetes workload
-- (kind WORKLOAD). traffic_target is the id of what carries the group's traffic on its provider
-- (sandbox load balancer, ELBv2 target group ARN, Octavia pool, Service namespace/name).
CREATE TABLE release_group (
    id              uuid         PRIMARY KEY,
    application_id  uuid         NOT NULL REFERENCES application (id),
    tenant_id       uuid         NOT NULL REFERENCES tenant (id),
    name            text         NOT NULL,
    kind            text         NOT NULL CHECK (kind IN ('SERVERS', 'WORKLOAD')),
    provider        text         NOT NULL,
    region          text         NOT NULL,
    workload_id     uuid         REFERENCES workload (id),
    traffic_target  text,
    -- The version the group runs since its last release succeeded; a rollback restores it.
    current_version_id uuid,
    created_at      timestamptz  NOT NULL,
    CONSTRAINT release_group_name_per_application UNIQUE (application_id, name),
    CONSTRAINT release_group_workload CHECK ((kind = 'WORKLOAD') = (workload_id IS NOT NULL))
);

CREATE TABLE release_group_server (
    group_id   uuid  NOT NULL REFERENCES release_group (id),
    position   int   NOT NULL,
    server_id  uuid  NOT NULL REFERENCES server (id),
    PRIMARY KEY (group_id, position),
    CONSTRAINT release_group_server_once UNIQUE (group_id, server_id)
);

-- A version: a package (URL + SHA-256, installed by the VM's install hook, which checks the sum)
-- and/or an image reference (a VM image or a container image).
CREATE TABLE application_version (
    id              uuid         PRIMARY KEY,
    application_id  uuid         NOT NULL REFERENCES application (id),
    tenant_id       uuid         NOT NULL REFERENCES tenant (id),
    name            text         NOT NULL,
    package_url     text,
    sha256          char(64),
    image           text,
    created_at      timestamptz  NOT NULL,
    CONSTRAINT application_version_name UNIQUE (application_id, name),
    CONSTRAINT application_version_artifact CHECK (image IS NOT NULL OR package_url IS NOT NULL),
    CONSTRAINT application_version_package CHECK ((package_url IS NULL) = (sha256 IS NULL))
);

ALTER TABLE release_group ADD CONSTRAINT release_group_current_version
    FOREIGN KEY (current_version_id) REFERENCES application_version (id);

CREATE TABLE app_release (
    id               uuid           PRIMARY KEY,
    tenant_id        uuid           NOT NULL REFERENCES tenant (id),
    application_id   uuid           NOT NULL REFERENCES application (id),
    group_id         uuid           NOT NULL REFERENCES release_group (id),
    version_id       uuid           NOT NULL REFERENCES application_version (id),
    -- What a rollback restores: the group's version when the release began (null: the servers' own image).
    previous_version_id uuid        REFERENCES application_version (id),
    strategy         text           NOT NULL,
    batch_size       int            NOT NULL,
    parallelism      int            NOT NULL,
    brake_ratio      numeric(5, 4)  NOT NULL,
    online_minimum   numeric(5, 4)  NOT NULL,
    bastion          boolean        NOT NULL,
    state            text           NOT NULL,
    reason           text,
    -- Why the release runs without pull-out/in ("no traffic control on this provider"), or null.
    traffic_note     text,
    snapshot         jsonb          NOT NULL,
    -- Steps given out whose results are not recorded: a release needs a driver while this is > 0.
    running_steps    int            NOT NULL,
    version          bigint         NOT NULL,
    created_at       timestamptz    NOT NULL,
    updated_at       timestamptz    NOT NULL,
    finished_at      timestamptz
);

CREATE INDEX release_by_tenant ON app_release (tenant_id, created_at, id);
CREATE INDEX release_needing_a_driver ON app_release (id) WHERE running_steps > 0;
-- One unfinished release per group at a time.
CREATE UNIQUE INDEX release_one_active_per_group ON app_release (group_id)
    WHERE state NOT IN ('SUCCEEDED', 'ROLLED_BACK', 'ABORTED');

CREATE TABLE release_instance (
    release_id           uuid         NOT NULL REFERENCES app_release (id),
    instance             text         NOT NULL,
    position             int          NOT NULL,
    batch                int          NOT NULL,
    server_id            uuid,
    provider_instance_id text         NOT NULL,
    -- What a rollback puts back on this instance: the image it ran before (the group's previous
    -- version's, or the server's own).
    previous_artifact    text         NOT NULL,
    state                text         NOT NULL,
    step                 text,
    failure              text,
    updated_at           timestamptz  NOT NULL,
    PRIMARY KEY (release_id, instance)
);

CREATE INDEX release_instance_in_order ON release_instance (release_id, position);

-- Every transition of a release or one of its instances, append-only; the stream reads it by seq.
CREATE TABLE release_event (
    seq          bigserial    PRIMARY KEY,
    release_id   uuid         NOT NULL REFERENCES app_release (id),
    instance     text,
    from_state   text         NOT NULL,
    to_state     text         NOT NULL,
    reason       text,
    actor        text         NOT NULL,
    occurred_at  timestamptz  NOT NULL
);

CREATE INDEX release_event_by_release ON release_event (release_id, seq);

-- Which replica drives a release. Claimed by a conditional UPDATE (free, expired, or already
-- ours); every claim bumps the fencing token, and every write of progress checks it under a
-- share lock, so a replica that lost its lease can no longer write.
CREATE TABLE release_lease (
    release_id  uuid         PRIMARY KEY REFERENCES app_release (id),
    owner       text,
    token       bigint       NOT NULL,
    expires_at  timestamptz  NOT NULL
);
