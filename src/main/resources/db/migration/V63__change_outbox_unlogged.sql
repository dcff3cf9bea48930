-- What the change outbox (V62) cost PostgreSQL at 300 creates/s (bench/README.md, "api", eighteenth
-- session; pg_stat_statements over a POST phase): ~3.8 rows a create, each an insert, a delete and
-- an index entry written to the WAL and vacuumed again (the VACUUM every 5 s took ~0.75 s, though
-- most of that turned out to be sleeping, V64). Three changes:
--
-- 1. The outbox is UNLOGGED: nothing of it goes to the WAL. A crash of PostgreSQL empties it (an
--    unlogged table is truncated on recovery), losing notifications of changes that committed but
--    were not yet sent. That loses nothing a listener relies on: the same crash ends every LISTEN
--    connection, and TenantChanges treats a lost connection as a gap in which anything may have
--    changed (every mark taken before it goes stale, the placement engine reads every live
--    server). A standby has no rows of it either, and a replica's listener reconnecting to a
--    promoted standby sees the same gap.
-- 2. change_notify is PL/pgSQL instead of SQL: PostgreSQL parses and plans an SQL function's body
--    again on every call from a trigger (~140 µs a call against ~20 µs for its insert), where a
--    PL/pgSQL function keeps its plan for the session.
-- 3. An update of a server notifies its place once: a row's place (tenant, creation time, id) never
--    changes on update, so the old row's notification was the new one's twin, folded into it at the
--    send — but only after it had been written, relayed and vacuumed.
ALTER TABLE change_outbox SET UNLOGGED;

CREATE OR REPLACE FUNCTION change_notify(p_channel text, p_payload text) RETURNS void AS $$
BEGIN
    INSERT INTO change_outbox (channel, payload) VALUES (p_channel, p_payload);
END
$$ LANGUAGE plpgsql VOLATILE;

CREATE OR REPLACE FUNCTION notify_server_rows() RETURNS trigger AS $$
DECLARE
    old_place text;
    new_place text;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_place := server_row_place(OLD.tenant_id, OLD.created_at, OLD.id);
        PERFORM change_notify('server_rows', old_place);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_place := server_row_place(NEW.tenant_id, NEW.created_at, NEW.id);
        IF new_place IS DISTINCT FROM old_place THEN
            PERFORM change_notify('server_rows', new_place);
        END IF;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
