-- A create's last round trip now carries its COMMIT (Appends#transaction): the tenant's quota rows
-- and the chosen host's row are locked from their statements to the end of that same round trip,
-- instead of until the service has read the answers, judged them and sent a COMMIT of its own. So
-- the checks can no longer be judged by the service: they refuse here, by raising an error with a
-- SQLSTATE of their own, which aborts the transaction before the COMMIT that follows them runs.
-- The service turns the state back into its problem (Appends.Refusal).

-- The host a server is placed on (or resized on) has room beside every live server any replica
-- committed there, and no other member of its anti-affinity group is there. Locks the host's row
-- first; the sums that follow each take a fresh snapshot (the function is VOLATILE, the isolation
-- READ COMMITTED), so they see every server committed by a transaction this one waited for.
-- SQLSTATE SKP01 with the reason as its message.
CREATE FUNCTION ledger_admit_host(p_provider text, p_region text, p_zone text, p_host text, p_server uuid,
                                  p_vcpu int, p_memory_mib bigint, p_gpu int,
                                  p_tenant uuid, p_anti_affinity text) RETURNS void AS $$
DECLARE
    h placement_host%ROWTYPE;
    used_vcpu bigint;
    used_memory_mib bigint;
    used_gpu bigint;
BEGIN
    SELECT * INTO h FROM placement_host
    WHERE provider = p_provider AND region = p_region AND zone = p_zone AND host = p_host FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SKP01', MESSAGE = format('host %s/%s/%s/%s is not in the placement ledger;'
            ' refresh capacity', p_provider, p_region, p_zone, p_host);
    END IF;
    -- A server being resized holds the larger of its current and its new size until the resize ends.
    SELECT coalesce(sum(greatest(vcpu, coalesce(held_vcpu, 0))), 0),
           coalesce(sum(greatest(memory_mib, coalesce(held_memory_mib, 0))), 0),
           coalesce(sum(greatest(gpu, coalesce(held_gpu, 0))), 0)
    INTO used_vcpu, used_memory_mib, used_gpu
    FROM server
    WHERE provider = p_provider AND region = p_region AND zone = p_zone AND host = p_host
      AND status NOT IN ('DELETED', 'FAILED') AND id <> p_server;
    IF used_vcpu + h.others_vcpu + p_vcpu > h.capacity_vcpu
        OR used_memory_mib + h.others_memory_mib + p_memory_mib > h.capacity_memory_mib
        OR used_gpu + h.others_gpu + p_gpu > h.capacity_gpu THEN
        RAISE EXCEPTION USING ERRCODE = 'SKP01', MESSAGE = format('host %s was filled by another placement:'
            ' %s of %s vCPU already held', p_host, used_vcpu + h.others_vcpu, h.capacity_vcpu);
    END IF;
    IF p_anti_affinity IS NOT NULL AND EXISTS (
            SELECT 1 FROM server
            WHERE tenant_id = p_tenant AND anti_affinity_group = p_anti_affinity AND provider = p_provider
              AND region = p_region AND zone = p_zone AND host = p_host
              AND status NOT IN ('DELETED', 'FAILED') AND id <> p_server) THEN
        RAISE EXCEPTION USING ERRCODE = 'SKP01', MESSAGE = format('anti-affinity group %s already has a member on %s',
            p_anti_affinity, p_host);
    END IF;
END;
$$ LANGUAGE plpgsql VOLATILE;

-- Moves a tenant's counters up by a reservation's amounts, each only while it stays within its
-- limit. The resources come in one order (the service's enum order, as every release takes them),
-- so no two charges or releases wait on each other crosswise. A resource that would pass its limit
-- raises SQLSTATE SKQ01: the resource's key as the error's column, what is in use as its message.
CREATE FUNCTION quota_charge(p_tenant uuid, p_resources text[], p_amounts bigint[]) RETURNS void AS $$
DECLARE
    q record;
BEGIN
    FOR i IN 1 .. cardinality(p_resources) LOOP
        UPDATE quota SET used = used + p_amounts[i]
        WHERE tenant_id = p_tenant AND resource = p_resources[i] AND used + p_amounts[i] <= hard_limit;
        IF NOT FOUND THEN
            SELECT used, hard_limit INTO q FROM quota WHERE tenant_id = p_tenant AND resource = p_resources[i];
            RAISE EXCEPTION USING ERRCODE = 'SKQ01', COLUMN = p_resources[i],
                MESSAGE = format('requested %s, %s of %s in use', p_amounts[i], coalesce(q.used, 0), coalesce(q.hard_limit, 0));
        END IF;
    END LOOP;
END;
$$ LANGUAGE plpgsql VOLATILE;
