-- Commitment discounts a tenant bought: reserved capacity (units of one meter per hour at a
-- committed price) or a spend commitment (an hourly amount of discounted spend). Rating applies
-- those in force during a month; like rate cards they are never edited, a change is a new one.
CREATE TABLE commitment (
    id                   uuid         PRIMARY KEY,
    tenant_id            uuid         NOT NULL REFERENCES tenant (id),
    kind                 varchar(24)  NOT NULL CHECK (kind IN ('RESERVED_CAPACITY', 'SPEND')),
    provider             varchar(64)  NOT NULL,
    currency             char(3)      NOT NULL,
    effective_from       timestamptz  NOT NULL,
    effective_to         timestamptz  NOT NULL,
    -- reserved capacity: which usage it covers, how much per hour and at what price
    region               varchar(64),
    meter                varchar(32),
    flavor               varchar(64)  NOT NULL DEFAULT '',
    units_per_hour       numeric,
    committed_unit_price numeric,
    -- spend commitment: the hourly amount and the discount usage gets when paid from it
    hourly_commitment    numeric,
    discount_rate        numeric,
    created_at           timestamptz  NOT NULL,
    created_by           varchar(256) NOT NULL,
    CHECK (effective_to > effective_from),
    CHECK (kind <> 'RESERVED_CAPACITY' OR (region IS NOT NULL AND meter IS NOT NULL AND units_per_hour > 0
                                           AND committed_unit_price >= 0)),
    CHECK (kind <> 'SPEND' OR (hourly_commitment > 0 AND discount_rate >= 0 AND discount_rate < 1))
);
CREATE INDEX commitment_by_tenant_time ON commitment (tenant_id, effective_from);
CREATE INDEX commitment_by_creation ON commitment (created_at, id);
