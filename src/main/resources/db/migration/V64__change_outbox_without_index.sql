-- The outbox's primary key index cost more than the rows it ordered (bench/README.md, "api",
-- eighteenth session; pg_stat_statements over a POST phase at 300 creates/s): every row inserted
-- went into it, and each send walked it from its oldest entries over those deleted since the last
-- vacuum (~350 µs a send for ~5 rows). The table holds a few milliseconds of rows: without an
-- index, an insert is a heap insert, a send reads the table's few pages and sorts what is there,
-- and a vacuum is one pass over those pages.
ALTER TABLE change_outbox DROP CONSTRAINT change_outbox_pkey;

-- And no vacuum of it (the relay's every 5 s, or autovacuum's) tries to cut the emptied pages off
-- its end: that needs the table's exclusive lock, which the inserts of every create, never far
-- apart, kept it from getting, so each vacuum slept through its retries for up to 5 s (0.8-1.1 s a
-- vacuum in the runs above); had it got the lock, every insert would have waited behind it. The
-- pages stay and the next inserts fill them.
ALTER TABLE change_outbox SET (vacuum_truncate = false);

-- As V62's, finding the rows to send by a scan of the table instead of the index, and deleting
-- them by their physical address (ctid), which the scan that locked them returned.
CREATE OR REPLACE FUNCTION change_outbox_send(p_limit int) RETURNS int AS $$
DECLARE
    n record;
    taken int := 0;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    FOR n IN
        WITH sent AS (
            DELETE FROM change_outbox
            WHERE ctid = ANY (ARRAY(SELECT ctid FROM change_outbox ORDER BY id LIMIT p_limit FOR UPDATE SKIP LOCKED))
            RETURNING id, channel, payload)
        SELECT channel, payload, min(id) AS first, count(*) AS rows FROM sent GROUP BY channel, payload ORDER BY first
    LOOP
        PERFORM pg_notify(n.channel, n.payload);
        taken := taken + n.rows;
    END LOOP;
    RETURN taken;
END
$$ LANGUAGE plpgsql VOLATILE;
