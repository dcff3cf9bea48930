-- Long finance work asked for over HTTP (a month's reconciliation, an invoice run) is queued: the
-- request writes a QUEUED job_run row and a one-shot Quartz trigger in its own short transaction and
-- answers 202; a replica's scheduler then runs it and moves the row to RUNNING and on.
ALTER TABLE job_run DROP CONSTRAINT job_run_outcome_check;
ALTER TABLE job_run ADD CONSTRAINT job_run_outcome_check
    CHECK (outcome IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'ABANDONED'));
