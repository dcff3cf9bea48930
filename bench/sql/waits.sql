-- What PostgreSQL's client backends wait on, sampled 500 times 20 ms apart (10 s), counted by
-- wait event and the first 60 characters of the statement ('CPU|-': not waiting, on a core or in the
-- run queue). bench/README.md, "api", seventeenth session: run it during bench/run api's POST phase
-- against the service's embedded PostgreSQL (its port is in the replica's log in the harness's
-- skydeck-api-* directory), e.g. psql -h 127.0.0.1 -p PORT -U postgres -d postgres -Atq -f bench/sql/waits.sql
CREATE TEMP TABLE waits (wait_type text, wait_event text, statement text);
DO $$
BEGIN
    FOR i IN 1..500 LOOP
        INSERT INTO waits
        SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, '-'), left(regexp_replace(query, '\s+', ' ', 'g'), 60)
        FROM pg_stat_activity
        WHERE state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend';
        PERFORM pg_stat_clear_snapshot();
        PERFORM pg_sleep(0.02);
    END LOOP;
END $$;
SELECT count(*), wait_type, wait_event, statement FROM waits GROUP BY 2, 3, 4 ORDER BY 1 DESC LIMIT 25;
