-- A train ticket carries the release's gates and degrade switches too (analysis, canary steps, the
-- switches its release holds), as the JSON of POST /v1/releases' own fields; null: none.
ALTER TABLE train_ticket ADD COLUMN release_gates text;
