-- Reachability reads a tenant's servers and workloads that are live (status not DELETED or FAILED)
-- with their network, subnet and address (ReachabilityService.build); which live status a member
-- has (BUILDING, ACTIVE, STOPPED, RESIZING, ...) it never reads. The update triggers of V31 bumped
-- the tenant's topology version — an upsert of the tenant's one counter row, locked until commit,
-- and a NOTIFY to every replica — on every change of status, so every operation that finished a
-- server's create, start, stop or resize made every replica drop the tenant's kept topology and
-- serialised with the tenant's other changes on that row. They now fire when a member comes or
-- goes (into or out of DELETED / FAILED) or moves (network, subnet, address), as they should.
DROP TRIGGER network_topology_member_changed ON server;
CREATE CONSTRAINT TRIGGER network_topology_member_changed AFTER UPDATE ON server
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ((OLD.network_id IS NOT NULL OR NEW.network_id IS NOT NULL)
          AND (OLD.network_id IS DISTINCT FROM NEW.network_id OR OLD.subnet_id IS DISTINCT FROM NEW.subnet_id
               OR OLD.private_address IS DISTINCT FROM NEW.private_address
               OR (OLD.status IN ('DELETED', 'FAILED')) IS DISTINCT FROM (NEW.status IN ('DELETED', 'FAILED'))))
    EXECUTE FUNCTION bump_network_topology_version();

DROP TRIGGER network_topology_member_changed ON workload;
CREATE CONSTRAINT TRIGGER network_topology_member_changed AFTER UPDATE ON workload
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ((OLD.network_id IS NOT NULL OR NEW.network_id IS NOT NULL)
          AND (OLD.network_id IS DISTINCT FROM NEW.network_id
               OR (OLD.status IN ('DELETED', 'FAILED')) IS DISTINCT FROM (NEW.status IN ('DELETED', 'FAILED'))))
    EXECUTE FUNCTION bump_network_topology_version();
