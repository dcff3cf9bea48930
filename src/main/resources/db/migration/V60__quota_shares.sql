-- A tenant's usage of a resource was one row (quota.used), and every create of the tenant moved it:
-- each create's commit waited for the one before it to flush its WAL, one tenant's creates went
-- through PostgreSQL one at a time (bench/README.md, "api", seventeenth session). Now each resource's
-- usage is kept in eight shares (quota_share), each with room of its own, and a charge moves one share
-- (the reservation's, chosen at random when it is held) — eight creates of one tenant can commit
-- together. The limit still holds across them all (escrow): the rooms of a resource's shares add up
-- to its limit and no share's usage passes its room, so the usage cannot pass the limit. A share
-- without room for a charge takes what the others have left (quota_respread): under the resource's
-- quota row lock, with every share locked, the limit's free part is spread again; what is in use,
-- summed over the shares, is what decides a refusal, as before.
--
-- A limit lowered below what is in use leaves the shares clamped: their room is their usage, a
-- release lowers both, and a charge is refused until the total is under the limit again.

CREATE TABLE quota_share (
    tenant_id  uuid        NOT NULL,
    resource   varchar(32) NOT NULL,
    share      smallint    NOT NULL CHECK (share >= 0),
    room       bigint      NOT NULL,
    used       bigint      NOT NULL CHECK (used >= 0),
    clamped    boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, resource, share),
    FOREIGN KEY (tenant_id, resource) REFERENCES quota (tenant_id, resource) ON DELETE CASCADE,
    CHECK (used <= room)
);

-- The share a reservation charged, which its release gives back to. Reservations held before shares
-- existed have none: their usage moved to share 0.
ALTER TABLE quota_reservation ADD COLUMN share smallint;

INSERT INTO quota_share (tenant_id, resource, share, room, used, clamped)
SELECT q.tenant_id, q.resource, s,
       CASE WHEN q.used > q.hard_limit THEN (CASE WHEN s = 0 THEN q.used ELSE 0 END)
            ELSE (CASE WHEN s = 0 THEN q.used + (q.hard_limit - q.used) % 8 ELSE 0 END) + (q.hard_limit - q.used) / 8 END,
       CASE WHEN s = 0 THEN q.used ELSE 0 END,
       q.used > q.hard_limit
FROM quota q CROSS JOIN generate_series(0, 7) AS s;

ALTER TABLE quota DROP COLUMN used;

-- Spreads the free part of a tenant's resource limit over its shares again, p_need of it to share
-- p_share on top, and answers true; when the limit cannot take p_need more, answers false and clamps
-- the shares if usage is over the limit. Locks the quota row (one spreader at a time; a limit change
-- takes it too), then every share in order.
CREATE FUNCTION quota_respread(p_tenant uuid, p_resource text, p_share int, p_need bigint) RETURNS boolean AS $$
DECLARE
    lim bigint;
    total bigint;
    shares int;
    free bigint;
BEGIN
    SELECT hard_limit INTO lim FROM quota WHERE tenant_id = p_tenant AND resource = p_resource FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM 1 FROM quota_share WHERE tenant_id = p_tenant AND resource = p_resource ORDER BY share FOR UPDATE;
    -- A statement of its own: its snapshot sees every share as the transactions this one waited for left it.
    SELECT coalesce(sum(used), 0), count(*) INTO total, shares
    FROM quota_share WHERE tenant_id = p_tenant AND resource = p_resource;
    IF shares = 0 THEN
        RETURN false;
    END IF;
    IF total + p_need > lim THEN
        UPDATE quota_share SET room = used, clamped = total > lim WHERE tenant_id = p_tenant AND resource = p_resource;
        RETURN false;
    END IF;
    free := lim - total - p_need;
    UPDATE quota_share
    SET room = used + free / shares + CASE WHEN share = p_share THEN p_need + free % shares ELSE 0 END,
        clamped = false
    WHERE tenant_id = p_tenant AND resource = p_resource;
    RETURN true;
END;
$$ LANGUAGE plpgsql VOLATILE;

-- Moves a tenant's usage up by a reservation's amounts on the reservation's share, each only while
-- the limit allows. The resources come in one order (the service's enum order, as every release
-- takes them). A share without room respreads (above); the attempt on it runs in a block of its own,
-- so that a share row it locked and found full is let go before the resource's quota row and all its
-- shares are locked in order — no charge waits for a spreader while holding a share it needs.
-- A resource that would pass its limit raises SQLSTATE SKQ01: the resource's key as the error's
-- column, what is in use as its message.
DROP FUNCTION quota_charge(uuid, text[], bigint[]);
CREATE FUNCTION quota_charge(p_tenant uuid, p_resources text[], p_amounts bigint[], p_share int) RETURNS void AS $$
DECLARE
    lim bigint;
    total bigint;
BEGIN
    FOR i IN 1 .. cardinality(p_resources) LOOP
        BEGIN
            UPDATE quota_share SET used = used + p_amounts[i]
            WHERE tenant_id = p_tenant AND resource = p_resources[i] AND share = p_share AND used + p_amounts[i] <= room;
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'SKQ00';
            END IF;
        EXCEPTION WHEN SQLSTATE 'SKQ00' THEN
            IF NOT quota_respread(p_tenant, p_resources[i], p_share, p_amounts[i]) THEN
                SELECT q.hard_limit, (SELECT sum(s.used) FROM quota_share s WHERE s.tenant_id = q.tenant_id AND s.resource = q.resource)
                INTO lim, total FROM quota q WHERE q.tenant_id = p_tenant AND q.resource = p_resources[i];
                RAISE EXCEPTION USING ERRCODE = 'SKQ01', COLUMN = p_resources[i],
                    MESSAGE = format('requested %s, %s of %s in use', p_amounts[i], coalesce(total, 0), coalesce(lim, 0));
            END IF;
            UPDATE quota_share SET used = used + p_amounts[i]
            WHERE tenant_id = p_tenant AND resource = p_resources[i] AND share = p_share;
        END;
    END LOOP;
END;
$$ LANGUAGE plpgsql VOLATILE;
