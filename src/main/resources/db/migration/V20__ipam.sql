-- The local hierarchical IPAM (io.skydeck.network.ipam): a network's layout, one row per host
-- block (claimed atomically), one row per address handed out. PostgreSQL decides: the primary key
-- (network_id, address) is what makes two replicas unable to hand out one address; replicas only
-- cache block use in memory. network_id names the lead's network table (V21 adds the foreign key).

CREATE TABLE ipam_network (
    network_id    uuid PRIMARY KEY,
    cidr          cidr NOT NULL CHECK (family(cidr) = 4 AND masklen(cidr) BETWEEN 16 AND 28),
    zones         text[] NOT NULL CHECK (cardinality(zones) >= 1),
    zone_prefix   smallint NOT NULL,
    block_prefix  smallint NOT NULL CHECK (block_prefix BETWEEN 26 AND 29),
    -- strict: a host never borrows an address from another host's block
    strict        boolean NOT NULL,
    registered_at timestamptz NOT NULL
);

-- Every block of every zone exists from registration on (at most 1,024 rows for a /16), so a host
-- claims one with UPDATE ... WHERE host IS NULL ... FOR UPDATE SKIP LOCKED: one winner, no waiting.
CREATE TABLE ipam_block (
    network_id  uuid NOT NULL REFERENCES ipam_network ON DELETE CASCADE,
    block_index integer NOT NULL CHECK (block_index >= 0),
    zone        text NOT NULL,
    cidr        cidr NOT NULL,
    host        text,
    claimed_at  timestamptz,
    PRIMARY KEY (network_id, block_index),
    CHECK ((host IS NULL) = (claimed_at IS NULL))
);
CREATE INDEX ipam_block_unclaimed ON ipam_block (network_id, zone, block_index) WHERE host IS NULL;
CREATE INDEX ipam_block_by_host ON ipam_block (network_id, host) WHERE host IS NOT NULL;

-- One row per address handed out. A release keeps the row with released_at set: the key keeps
-- the address taken through its quarantine, and a later allocation takes the row over only if
-- released_at is older than the quarantine (INSERT ... ON CONFLICT DO UPDATE ... WHERE).
-- No foreign key to ipam_block: this is the hot table (tens of thousands of rows a second), a
-- foreign key would lock the block row FOR KEY SHARE on every insert, and the allocator writes
-- only addresses of blocks it read from ipam_block. The network's rows go with the network
-- (IpamStore.forget).
CREATE TABLE ipam_address (
    network_id   uuid NOT NULL,
    address      inet NOT NULL CHECK (family(address) = 4 AND masklen(address) = 32),
    block_index  integer NOT NULL,
    -- the host the address serves: the block's host, or another host of the zone that borrowed it
    host         text NOT NULL,
    owner_type   text NOT NULL,
    owner_id     text NOT NULL,
    allocated_at timestamptz NOT NULL,
    released_at  timestamptz,
    PRIMARY KEY (network_id, address)
);
-- A server's or workload's addresses, to release them with it.
CREATE INDEX ipam_address_owner ON ipam_address (owner_type, owner_id) WHERE released_at IS NULL;
