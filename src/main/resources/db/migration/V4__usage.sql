-- Metered usage: one row per resource, meter and UTC hour (billing's UsageRecord). Ids are
-- derived from (tenant, resource, meter, flavor, hour), so metering the same events again
-- writes the same rows. No foreign keys: this table takes bulk writes.
CREATE TABLE usage_record (
    id                    uuid PRIMARY KEY,
    tenant_id             uuid          NOT NULL,
    resource_id           varchar(64)   NOT NULL,
    provider_resource_id  varchar(256),
    provider              varchar(64)   NOT NULL,
    region                varchar(64)   NOT NULL,
    meter                 varchar(48)   NOT NULL,
    flavor                varchar(64),
    period_start          timestamptz   NOT NULL,
    period_end            timestamptz   NOT NULL,
    seconds               bigint        NOT NULL,
    quantity              numeric(30, 9) NOT NULL,
    billing_period        char(7)       NOT NULL,
    metered_at            timestamptz   NOT NULL
);
CREATE INDEX usage_by_tenant_period ON usage_record (tenant_id, billing_period);
