-- A server create claims its Idempotency-Key in its last round trip, first in it, with the response to
-- store (io.skydeck.platform.idempotency.IdempotentRequests#executeClaimingAtCommit), instead of by an
-- INSERT of its own at the start and an UPDATE with the response at the end. A key another request holds
-- makes the insert wait for that request's transaction; when it committed, this raises SQLSTATE SKI02,
-- the create rolls back and the stored response is replayed.
CREATE FUNCTION idempotency_claim(p_scope text, p_key text, p_hash text, p_at timestamptz, p_status int,
                                  p_headers text, p_body text) RETURNS void AS $$
BEGIN
    INSERT INTO idempotency_record (scope, idem_key, request_hash, created_at, status, headers, body)
    VALUES (p_scope, p_key, p_hash, p_at, p_status, p_headers, p_body)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SKI02', MESSAGE = format('Idempotency-Key %s is taken', p_key);
    END IF;
END
$$ LANGUAGE plpgsql;
