-- Fenced operations: a replica's claim on an operation is a token, not only a time. Every write
-- of the operation's progress names the token (WHERE id = ? AND claim_token = ?), so a replica
-- whose claim ran out and was taken over writes nothing; the take-over put a new token there.
ALTER TABLE operation ADD COLUMN claim_token uuid;

-- Indexes the review asked for.
-- Reconciliation reads one provider's usage of one month.
CREATE INDEX usage_by_provider_period ON usage_record (provider, billing_period);
-- The idempotency purge deletes by age; without this it scans the whole table every run.
CREATE INDEX idempotency_by_created_at ON idempotency_record (created_at);
-- Drift detection and the provider views list one provider's servers of a status.
CREATE INDEX server_by_provider_status ON server (provider, status);
