-- A link is now realised in its providers through operations: a peering (one provider object) or a
-- VPN (one connection on each side). ACTIVE becomes AVAILABLE; a link is CREATING or DELETING
-- while its operation runs and FAILED when its create gave up.
ALTER TABLE network_link DROP CONSTRAINT network_link_status_check;
UPDATE network_link SET status = 'AVAILABLE' WHERE status = 'ACTIVE';
ALTER TABLE network_link ADD CONSTRAINT network_link_status_check
    CHECK (status IN ('CREATING', 'AVAILABLE', 'DELETING', 'DELETED', 'FAILED'));
-- The provider's id of each side: for a peering the one object (pcx-…, the Neutron router port) on
-- side a; for a VPN each side's connection. endpoint_* are the VPN sides' public addresses.
-- pre_shared_key is the VPN's secret, made by Skydeck, given to both providers, never shown.
ALTER TABLE network_link
    ADD COLUMN provider_link_a varchar(256),
    ADD COLUMN provider_link_b varchar(256),
    ADD COLUMN endpoint_a      varchar(45),
    ADD COLUMN endpoint_b      varchar(45),
    ADD COLUMN pre_shared_key  varchar(128),
    ADD COLUMN updated_at      timestamptz;
UPDATE network_link SET updated_at = coalesce(deleted_at, created_at);
ALTER TABLE network_link ALTER COLUMN updated_at SET NOT NULL;
-- A link holds its pair (and their ranges against overlaps) from its create until it is gone.
DROP INDEX network_link_by_a;
DROP INDEX network_link_by_b;
DROP INDEX network_link_live_pair;
CREATE INDEX network_link_by_a ON network_link (network_a) WHERE status NOT IN ('DELETED', 'FAILED');
CREATE INDEX network_link_by_b ON network_link (network_b) WHERE status NOT IN ('DELETED', 'FAILED');
CREATE UNIQUE INDEX network_link_live_pair ON network_link (network_a, network_b) WHERE status NOT IN ('DELETED', 'FAILED');
