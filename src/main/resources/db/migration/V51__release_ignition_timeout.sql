-- How long a release's ignition check waits for an instance to become healthy, when the release
-- says (null: the service's skydeck.release.ignition-timeout). Stored so that a driver taking the
-- release over after a crash waits as long as the one that started it.
ALTER TABLE app_release ADD COLUMN ignition_timeout_seconds integer
    CHECK (ignition_timeout_seconds BETWEEN 1 AND 3600);
