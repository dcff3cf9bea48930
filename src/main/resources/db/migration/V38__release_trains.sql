-- Release trains (issue 10, item 7): a tenant's line per pool, the departures its cron sets, the
-- tickets apps book onto it and the carriages that leave. The train's rules (booking, express,
-- rebooking a missed ticket, settling a carriage) are the release library's io.skydeck.release.train;
-- these tables hold its bookings between departures and what each departure did.
--
-- Lines are tenant-owned: an all-or-nothing carriage rolls back every app on it, and letting one
-- tenant's failure roll back another tenant's release would break tenant isolation.

CREATE TABLE train_line (
    id               uuid         PRIMARY KEY,
    tenant_id        uuid         NOT NULL REFERENCES tenant (id),
    pool             text         NOT NULL,
    -- When set, only groups on this provider (and region) may book.
    provider         text,
    region           text,
    -- Quartz cron syntax, UTC.
    cron             text         NOT NULL,
    express_allowed  boolean      NOT NULL,
    isolation        text         NOT NULL CHECK (isolation IN ('ISOLATED', 'ALL_OR_NOTHING')),
    created_at       timestamptz  NOT NULL,
    CONSTRAINT train_line_pool_per_tenant UNIQUE (tenant_id, pool),
    CONSTRAINT train_line_region_needs_provider CHECK (region IS NULL OR provider IS NOT NULL)
);

-- One departure of a line. The unique (line_id, departs_at) is what makes a departure happen
-- once: a second replica that tries the same departure inserts nothing.
CREATE TABLE train_carriage (
    id           uuid         PRIMARY KEY,
    line_id      uuid         NOT NULL REFERENCES train_line (id),
    tenant_id    uuid         NOT NULL REFERENCES tenant (id),
    number       int          NOT NULL,
    departs_at   timestamptz  NOT NULL,
    express      boolean      NOT NULL,
    isolation    text         NOT NULL,
    state        text         NOT NULL,
    departed_at  timestamptz  NOT NULL,
    finished_at  timestamptz,
    CONSTRAINT train_carriage_departs_once UNIQUE (line_id, departs_at),
    CONSTRAINT train_carriage_number UNIQUE (line_id, number)
);

CREATE INDEX train_carriage_unfinished ON train_carriage (id) WHERE finished_at IS NULL;

-- An app's ticket: its group and version (by id, or by name when the version is not uploaded
-- yet), and the release settings its release starts with (null: the release service's default).
CREATE TABLE train_ticket (
    id              uuid           PRIMARY KEY,
    line_id         uuid           NOT NULL REFERENCES train_line (id),
    tenant_id       uuid           NOT NULL REFERENCES tenant (id),
    group_id        uuid           NOT NULL REFERENCES release_group (id),
    version_id      uuid           REFERENCES application_version (id),
    version_name    text,
    strategy        text,
    batch_size      int,
    batch_percent   int,
    parallelism     int,
    brake_ratio     numeric(5, 4),
    online_minimum  numeric(5, 4),
    bastion         boolean,
    state           text           NOT NULL,
    departs_at      timestamptz    NOT NULL,
    express         boolean        NOT NULL,
    rebooked        int            NOT NULL,
    carriage_id     uuid           REFERENCES train_carriage (id),
    release_id      uuid           REFERENCES app_release (id),
    failure         text,
    created_at      timestamptz    NOT NULL,
    updated_at      timestamptz    NOT NULL,
    CONSTRAINT train_ticket_version CHECK (version_id IS NOT NULL OR version_name IS NOT NULL)
);

-- A group holds one booked ticket per line at a time; the due scan reads booked tickets by time.
CREATE UNIQUE INDEX train_ticket_one_booked_per_group ON train_ticket (line_id, group_id) WHERE state = 'BOOKED';
CREATE INDEX train_ticket_due ON train_ticket (departs_at) WHERE state = 'BOOKED';
CREATE INDEX train_ticket_by_carriage ON train_ticket (carriage_id);
CREATE INDEX train_ticket_by_line ON train_ticket (line_id, created_at);

-- What happened to a ticket, append-only: booked, rebooked after a missed departure (and why),
-- boarded, express, cancelled, its outcome.
CREATE TABLE train_ticket_event (
    seq          bigserial    PRIMARY KEY,
    ticket_id    uuid         NOT NULL REFERENCES train_ticket (id),
    what         text         NOT NULL,
    -- The departure the ticket is on after the event; for REBOOKED, missed_departure is the one it missed.
    departs_at   timestamptz,
    missed_departure timestamptz,
    reason       text,
    actor        text         NOT NULL,
    occurred_at  timestamptz  NOT NULL
);

CREATE INDEX train_ticket_event_by_ticket ON train_ticket_event (ticket_id, seq);
