-- An operation can end CANCELLED: its tenant or an admin stopped it (POST /v1/operations/{id}/cancel),
-- or a delete of its resource superseded it. Final, like SUCCEEDED and FAILED; the runner's due
-- index already leaves it out (it covers PENDING and RUNNING only).
ALTER TABLE operation DROP CONSTRAINT operation_state_check;
ALTER TABLE operation ADD CONSTRAINT operation_state_check
    CHECK (state IN ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'));
