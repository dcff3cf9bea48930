-- Quartz's clustered store inserts its two lock rows the first time a scheduler needs them. Two
-- replicas starting together on a fresh database both insert them: one fails on the primary key
-- inside its start-up transaction and that replica does not start (seen in TwoReplicasIT). The
-- rows exist from the migration on instead, for the scheduler name Quarkus uses by default.
INSERT INTO qrtz_locks (sched_name, lock_name) VALUES
    ('QuarkusQuartzScheduler', 'TRIGGER_ACCESS'),
    ('QuarkusQuartzScheduler', 'STATE_ACCESS')
ON CONFLICT DO NOTHING;
