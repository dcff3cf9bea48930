-- A server's address is bound in the create's last round trip (io.skydeck.network.ipam.Ipam#bindAtCommit),
-- not by a statement of its own earlier: the reserved address becomes the server's, or — the reservation
-- gone (swept as too old, lost by the database) — this raises SQLSTATE SKI01, the create rolls back, the
-- service drops the reservation and makes the create again with another address.
CREATE FUNCTION ipam_bind(p_owner_type text, p_owner_id text, p_at timestamptz, p_network uuid, p_address inet,
                          p_reserver text) RETURNS void AS $$
BEGIN
    UPDATE ipam_address SET owner_type = p_owner_type, owner_id = p_owner_id, allocated_at = p_at
     WHERE network_id = p_network AND address = p_address AND owner_type = 'reserved' AND owner_id = p_reserver
       AND released_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SKI01',
            MESSAGE = format('address %s of network %s is no longer reserved by this replica', host(p_address), p_network);
    END IF;
END
$$ LANGUAGE plpgsql;
