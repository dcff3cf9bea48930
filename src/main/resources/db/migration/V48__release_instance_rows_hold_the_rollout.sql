-- A rolling release's instances are stored in their rows only (issue 10, Deliver 9).
--
-- Until now the driver stored the whole rollout snapshot (every instance) in app_release.snapshot
-- on each fenced write, and the rows beside it for the API. At a thousand instances that was a
-- ~100 KB jsonb rewritten for every handful of step results. Now the rows hold everything an
-- instance is — the two fields they lacked are added here: the id of the step call it runs (0:
-- none) and whether the release changed its software — and a write rewrites only the rows of the
-- instances that changed; app_release.snapshot keeps the rollout's header with an empty instance
-- list. The two-group strategies (BLUE_GREEN, DARK, AB_TEST) keep their whole snapshot.
ALTER TABLE release_instance
    ADD COLUMN call    bigint  NOT NULL DEFAULT 0,
    ADD COLUMN changed boolean NOT NULL DEFAULT false;

-- The snapshot is the copy the driver restored from: the rows take every field from it before it goes.
UPDATE release_instance ri
   SET call = COALESCE((e ->> 'call')::bigint, 0), changed = COALESCE((e ->> 'changed')::boolean, false),
       state = e ->> 'state', step = e ->> 'running', failure = e ->> 'failure'
  FROM app_release r, jsonb_array_elements(r.snapshot -> 'instances') e
 WHERE r.id = ri.release_id AND e ->> 'id' = ri.instance
   AND r.strategy NOT IN ('BLUE_GREEN', 'DARK', 'AB_TEST');

UPDATE app_release SET snapshot = jsonb_set(snapshot, '{instances}', '[]'::jsonb)
 WHERE strategy NOT IN ('BLUE_GREEN', 'DARK', 'AB_TEST');
