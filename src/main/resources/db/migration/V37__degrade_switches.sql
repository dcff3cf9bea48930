-- Degrade switches: a tenant's named switch per dependency, turned on to degrade that dependency
-- (a person, or a release for its duration). who/why/since is the last change of its state.
CREATE TABLE degrade_switch (
    id           uuid PRIMARY KEY,
    tenant_id    uuid         NOT NULL REFERENCES tenant (id),
    name         varchar(63)  NOT NULL,
    dependency   varchar(128) NOT NULL,
    description  varchar(500),
    is_on        boolean      NOT NULL,
    changed_by   varchar(255) NOT NULL,
    reason       varchar(500) NOT NULL,
    since        timestamptz  NOT NULL,
    created_at   timestamptz  NOT NULL,
    updated_at   timestamptz  NOT NULL,
    version      bigint       NOT NULL,
    UNIQUE (tenant_id, name)
);
CREATE INDEX degrade_switch_by_time ON degrade_switch (created_at, id);
CREATE INDEX degrade_switch_by_tenant ON degrade_switch (tenant_id, created_at, id);

-- A release's hold on a switch: taken when the release turns it on, ended when the release
-- restores it (RESTORED) or a person turns the switch by hand meanwhile (OVERRIDDEN).
-- base_on is the switch's state before any release held it: what the last hold to end restores.
CREATE TABLE degrade_switch_hold (
    id           uuid PRIMARY KEY,
    switch_id    uuid         NOT NULL REFERENCES degrade_switch (id),
    tenant_id    uuid         NOT NULL REFERENCES tenant (id),
    release_id   uuid         NOT NULL,
    base_on      boolean      NOT NULL,
    reason       varchar(500) NOT NULL,
    taken_at     timestamptz  NOT NULL,
    ended_at     timestamptz,
    ended_how    varchar(16)  CHECK (ended_how IN ('RESTORED', 'OVERRIDDEN')),
    CHECK ((ended_at IS NULL) = (ended_how IS NULL)),
    UNIQUE (release_id, switch_id)
);
CREATE INDEX degrade_switch_hold_active ON degrade_switch_hold (switch_id) WHERE ended_at IS NULL;
CREATE INDEX degrade_switch_hold_by_release ON degrade_switch_hold (release_id) WHERE ended_at IS NULL;
