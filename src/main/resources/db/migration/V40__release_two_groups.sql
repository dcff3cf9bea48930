-- Two-group release strategies (issue 10, Deliver 5): BLUE_GREEN, DARK and AB_TEST install the version on
-- a standby group while the release's group (the live one) keeps serving; the switch, the dark
-- deployment and the A/B header route all happen between the two. Their state machine is the release
-- library's Switchover; its snapshot goes into app_release.snapshot like a Rollout's (told apart by
-- strategy).
ALTER TABLE app_release
    ADD COLUMN standby_group_id uuid REFERENCES release_group (id),
    -- AB_TEST: requests carrying route_header: route_value go to the standby group.
    ADD COLUMN route_header     text,
    ADD COLUMN route_value      text,
    ADD CONSTRAINT app_release_route CHECK ((route_header IS NULL) = (route_value IS NULL));

-- A group is the standby of at most one unfinished release (as it is the live group of at most one);
-- a group that is live in one and standby in another is refused by the service under both rows' locks.
CREATE UNIQUE INDEX release_one_active_per_standby_group ON app_release (standby_group_id)
    WHERE standby_group_id IS NOT NULL AND state NOT IN ('SUCCEEDED', 'ROLLED_BACK', 'ABORTED');
