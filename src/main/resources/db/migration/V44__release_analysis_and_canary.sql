-- Release analysis and canaries (issue 10, Deliver 5 canary and 6).
--
-- analysis: the checks a release is judged by and where their numbers come from (null: none);
-- canary: a CANARY release's steps (by traffic weight or by instance count), pauses and analyses;
-- gate: where the gate the rollout holds for stands now (which batch, the canary machine's state,
-- the pause's end, the weight last set on the traffic target). It is written with the rollout's
-- snapshot in the driver's fenced transaction, so whichever replica takes the lease goes on from it.
ALTER TABLE app_release
    ADD COLUMN analysis jsonb,
    ADD COLUMN canary   jsonb,
    ADD COLUMN gate     jsonb;

-- One analysis of a release: its verdict and every check's result, as the driver measured it.
CREATE TABLE release_analysis_run (
    id           bigserial    PRIMARY KEY,
    release_id   uuid         NOT NULL REFERENCES app_release (id),
    batch        int          NOT NULL,
    step         int          NOT NULL,
    verdict      text         NOT NULL CHECK (verdict IN ('SUCCESSFUL', 'INCONCLUSIVE', 'FAILED')),
    source       text         NOT NULL,
    summary      text         NOT NULL,
    checks       jsonb        NOT NULL,
    instances    int          NOT NULL,
    actor        text         NOT NULL,
    measured_at  timestamptz  NOT NULL
);

CREATE INDEX release_analysis_run_release ON release_analysis_run (release_id, id);
