-- A server may be in one of its tenant's networks: the zone's subnet and the address the IPAM gave it.
ALTER TABLE server ADD COLUMN network_id uuid REFERENCES network (id);
ALTER TABLE server ADD COLUMN subnet_id uuid REFERENCES subnet (id);
ALTER TABLE server ADD COLUMN private_address varchar(45);
CREATE INDEX server_by_network ON server (network_id) WHERE network_id IS NOT NULL AND status NOT IN ('DELETED', 'FAILED');
