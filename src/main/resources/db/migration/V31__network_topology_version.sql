-- A tenant's network topology version: reachability caches the topology it builds per tenant and
-- rebuilds it only when this number moved, so a question costs one primary-key read when nothing
-- changed. Every change of what reachability reads bumps it in the changing transaction, on any
-- replica and from any code path (triggers, not application code), so an answer reflects a
-- committed change at once.
CREATE TABLE network_topology_version (
    tenant_id  uuid    PRIMARY KEY REFERENCES tenant (id),
    version    bigint  NOT NULL
);

-- Deferred to commit: the counter row is locked last and briefly, so concurrent changes of one
-- tenant serialise only at their ends and cannot deadlock against the rows they changed.
CREATE FUNCTION bump_network_topology_version() RETURNS trigger AS $$
DECLARE
    changed uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD.tenant_id;
    ELSE
        changed := NEW.tenant_id;
    END IF;
    INSERT INTO network_topology_version AS v (tenant_id, version) VALUES (changed, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET version = v.version + 1;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER network_topology_changed AFTER INSERT OR UPDATE OR DELETE ON network
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_network_topology_version();
CREATE CONSTRAINT TRIGGER network_topology_changed AFTER INSERT OR UPDATE OR DELETE ON subnet
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_network_topology_version();
CREATE CONSTRAINT TRIGGER network_topology_changed AFTER INSERT OR UPDATE OR DELETE ON network_link
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_network_topology_version();
CREATE CONSTRAINT TRIGGER network_topology_changed AFTER INSERT OR UPDATE OR DELETE ON security_group
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_network_topology_version();
CREATE CONSTRAINT TRIGGER network_topology_changed AFTER INSERT OR UPDATE OR DELETE ON security_group_member
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_network_topology_version();
CREATE CONSTRAINT TRIGGER network_topology_changed AFTER INSERT OR UPDATE OR DELETE ON public_ip
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_network_topology_version();

-- Servers and workloads change often; only those in a network, and only in what reachability reads.
CREATE CONSTRAINT TRIGGER network_topology_member_added AFTER INSERT ON server
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.network_id IS NOT NULL)
    EXECUTE FUNCTION bump_network_topology_version();
CREATE CONSTRAINT TRIGGER network_topology_member_changed AFTER UPDATE ON server
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ((OLD.network_id IS NOT NULL OR NEW.network_id IS NOT NULL)
          AND (OLD.network_id IS DISTINCT FROM NEW.network_id OR OLD.subnet_id IS DISTINCT FROM NEW.subnet_id
               OR OLD.private_address IS DISTINCT FROM NEW.private_address OR OLD.status IS DISTINCT FROM NEW.status))
    EXECUTE FUNCTION bump_network_topology_version();
CREATE CONSTRAINT TRIGGER network_topology_member_added AFTER INSERT ON workload
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.network_id IS NOT NULL)
    EXECUTE FUNCTION bump_network_topology_version();
CREATE CONSTRAINT TRIGGER network_topology_member_changed AFTER UPDATE ON workload
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ((OLD.network_id IS NOT NULL OR NEW.network_id IS NOT NULL)
          AND (OLD.network_id IS DISTINCT FROM NEW.network_id OR OLD.status IS DISTINCT FROM NEW.status))
    EXECUTE FUNCTION bump_network_topology_version();

-- A dual-stack network's subnet: the /64 of the network's IPv6 range it was given (realised beside the IPv4 range).
ALTER TABLE subnet ADD COLUMN ipv6_cidr varchar(43);
