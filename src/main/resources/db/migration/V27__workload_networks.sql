-- A workload may run in one of its tenant's networks (on Kubernetes: the network's namespace).
ALTER TABLE workload ADD COLUMN network_id uuid REFERENCES network (id);
CREATE INDEX workload_by_network ON workload (network_id) WHERE network_id IS NOT NULL AND status NOT IN ('DELETED', 'FAILED');
