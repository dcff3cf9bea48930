-- A server create on a replica that found the tenant's default network for an earlier create uses it
-- again without reading it (io.skydeck.network.DefaultNetworks#forNewServer), and checks it instead in
-- the create's last round trip, with this function: the network's row share-locked (a delete waits for
-- the create, or the create sees the delete's commit), the network still CREATING or AVAILABLE, and its
-- live subnets (PENDING, CREATING, AVAILABLE) exactly the ones the create was handed. Otherwise it raises
-- SQLSTATE SKN01, the create rolls back, and the service forgets the network and makes the create again.
CREATE FUNCTION default_network_unchanged(p_network uuid, p_subnets uuid[]) RETURNS void AS $$
DECLARE
    found_status text;
    live_subnets uuid[];
BEGIN
    SELECT n.status INTO found_status FROM network n WHERE n.id = p_network FOR SHARE;
    IF found_status IS NULL OR found_status NOT IN ('CREATING', 'AVAILABLE') THEN
        RAISE EXCEPTION USING ERRCODE = 'SKN01',
            MESSAGE = format('network %s is %s', p_network, coalesce(found_status, 'gone'));
    END IF;
    SELECT coalesce(array_agg(s.id ORDER BY s.id), '{}') INTO live_subnets
      FROM subnet s WHERE s.network_id = p_network AND s.status IN ('PENDING', 'CREATING', 'AVAILABLE');
    IF live_subnets <> (SELECT coalesce(array_agg(u ORDER BY u), '{}') FROM unnest(p_subnets) u) THEN
        RAISE EXCEPTION USING ERRCODE = 'SKN01',
            MESSAGE = format('the live subnets of network %s are now %s', p_network, live_subnets);
    END IF;
END
$$ LANGUAGE plpgsql;
