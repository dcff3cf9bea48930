-- The inventory sync also compares networks, subnets and public addresses.
ALTER TABLE drift_finding DROP CONSTRAINT drift_finding_resource_type_check;
ALTER TABLE drift_finding ADD CONSTRAINT drift_finding_resource_type_check
    CHECK (resource_type IN ('SERVER', 'WORKLOAD', 'NETWORK', 'SUBNET', 'PUBLIC_IP'));
