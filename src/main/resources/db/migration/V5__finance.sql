-- Finance: rate cards, invoices, provider bill imports, reconciliation runs and job runs.
-- Metered usage itself is in usage_record (V4).

-- A price list version. The prices are kept as the JSON document the API accepted; the columns
-- are what the catalog selects on. A new price is a new version, never an edit.
CREATE TABLE rate_card (
    id             uuid PRIMARY KEY,
    name           varchar(64)  NOT NULL,
    version        int          NOT NULL,
    provider       varchar(64)  NOT NULL,
    region         varchar(64)  NOT NULL,
    currency       char(3)      NOT NULL,
    effective_from timestamptz  NOT NULL,
    effective_to   timestamptz,
    tenant_id      uuid         REFERENCES tenant (id),
    rates          text         NOT NULL,
    created_at     timestamptz  NOT NULL,
    created_by     varchar(256) NOT NULL,
    UNIQUE (name, version)
);
CREATE INDEX rate_card_by_time ON rate_card (created_at, id);

-- A tenant's month. The lines (with their usage record ids) are one JSON document, written once
-- by drafting and frozen by finalizing.
CREATE TABLE invoice (
    id              varchar(64)  PRIMARY KEY,
    tenant_id       uuid         NOT NULL REFERENCES tenant (id),
    billing_period  char(7)      NOT NULL,
    currency        char(3)      NOT NULL,
    status          varchar(16)  NOT NULL CHECK (status IN ('DRAFT', 'FINALIZED')),
    total           numeric(20, 2) NOT NULL,
    unrated_records int          NOT NULL,
    lines           text         NOT NULL,
    created_at      timestamptz  NOT NULL,
    updated_at      timestamptz  NOT NULL,
    finalized_at    timestamptz,
    UNIQUE (tenant_id, billing_period)
);
CREATE INDEX invoice_by_time ON invoice (created_at, id);

-- The database itself refuses to change or remove a finalized invoice, whatever the code does.
CREATE FUNCTION invoice_finalized_is_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'FINALIZED' THEN
        RAISE EXCEPTION 'invoice % is finalized and cannot change', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER invoice_frozen BEFORE UPDATE OR DELETE ON invoice
    FOR EACH ROW EXECUTE FUNCTION invoice_finalized_is_frozen();

-- One imported provider bill file; its SHA-256 makes a repeated file a no-op.
CREATE TABLE bill_import (
    id          uuid PRIMARY KEY,
    provider    varchar(64)  NOT NULL,
    sha256      char(64)     NOT NULL UNIQUE,
    format      varchar(16)  NOT NULL,
    line_count  bigint       NOT NULL,
    imported_at timestamptz  NOT NULL,
    imported_by varchar(256) NOT NULL
);
CREATE INDEX bill_import_by_time ON bill_import (imported_at, id);

-- Lines are written while the file streams in and the import row only at the end, in the same
-- transaction; the deferred key lets the lines come first. Amounts keep every decimal the file had.
CREATE TABLE bill_line (
    import_id                  uuid         NOT NULL REFERENCES bill_import (id) DEFERRABLE INITIALLY DEFERRED,
    line_number                bigint       NOT NULL,
    provider                   varchar(64)  NOT NULL,
    billing_account_id         varchar(128),
    sub_account_id             varchar(128),
    resource_id                varchar(512),
    service_name               varchar(256),
    usage_type                 varchar(256),
    region                     varchar(64),
    charge_category            varchar(32),
    charge_class               varchar(32),
    charge_period_start        timestamptz  NOT NULL,
    charge_period_end          timestamptz  NOT NULL,
    quantity                   numeric,
    unit                       varchar(64),
    list_unit_price            numeric,
    list_cost                  numeric,
    billed_cost                numeric      NOT NULL,
    effective_cost             numeric      NOT NULL,
    currency                   varchar(8),
    commitment_discount_id     varchar(512),
    commitment_discount_status varchar(16),
    pricing_category           varchar(32),
    PRIMARY KEY (import_id, line_number)
);
CREATE INDEX bill_line_by_provider_time ON bill_line (provider, charge_period_start);

-- A reconciliation of one provider's month: counts and totals as JSON, discrepancies as rows.
CREATE TABLE reconciliation_run (
    id                  varchar(64)  PRIMARY KEY,
    provider            varchar(64)  NOT NULL,
    billing_period      char(7)      NOT NULL,
    granularity         varchar(8)   NOT NULL,
    started_at          timestamptz  NOT NULL,
    finished_at         timestamptz  NOT NULL,
    metered_lines       bigint       NOT NULL,
    bill_lines          bigint       NOT NULL,
    account_level_lines bigint       NOT NULL,
    counts              text         NOT NULL,
    totals              text         NOT NULL,
    created_by          varchar(256) NOT NULL,
    reconciled_by       varchar(256),
    reconciled_at       timestamptz
);
CREATE INDEX reconciliation_run_by_period ON reconciliation_run (provider, billing_period, started_at);

CREATE TABLE reconciliation_discrepancy (
    run_id                  varchar(64)  NOT NULL REFERENCES reconciliation_run (id) DEFERRABLE INITIALLY DEFERRED,
    seq                     bigint       NOT NULL,
    kind                    varchar(32)  NOT NULL,
    resource_id             varchar(512) NOT NULL,
    usage_type              varchar(256) NOT NULL,
    period_start            timestamptz  NOT NULL,
    tenant_id               varchar(64),
    service                 varchar(256),
    skydeck_quantity        numeric,
    provider_quantity       numeric,
    skydeck_list_cost       numeric,
    skydeck_effective_cost  numeric,
    provider_list_cost      numeric,
    provider_effective_cost numeric,
    commitment_id           varchar(512),
    PRIMARY KEY (run_id, seq)
);

-- What each scheduled job did. A run killed midway stays RUNNING (its work rolled back with it)
-- until the next run of that job marks it ABANDONED.
CREATE TABLE job_run (
    id          uuid PRIMARY KEY,
    job         varchar(64)  NOT NULL,
    started_at  timestamptz  NOT NULL,
    finished_at timestamptz,
    outcome     varchar(16)  NOT NULL CHECK (outcome IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'ABANDONED')),
    counts      text,
    error       text
);
CREATE INDEX job_run_by_time ON job_run (started_at, id);
