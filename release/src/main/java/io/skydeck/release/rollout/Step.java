package io.skydeck.release.rollout;

/**
 * What is done to one instance, one at a time. A new version goes on with {@code PULL_OUT, FETCH,
 * INSTALL, IGNITION_CHECK, PULL_IN}; a rollback puts the previous one back with {@code RESTORE} and
 * {@code IGNITION_CHECK}, pulling the instance out first and in last. Every step must be safe to
 * run again: after a crash the step that was running is run once more, because nobody knows
 * whether it finished.
 */
public enum Step {
    /** Take the instance out of traffic (load balancer member removed, pod out of the Service). */
    PULL_OUT,
    /** Download the version's package and check its SHA-256 (a container image is pulled by the install). */
    FETCH,
    /** Install the new version (VM: install hook or rebuild; Kubernetes: the pod's image). */
    INSTALL,
    /** Health or readiness check of the version just installed or restored. */
    IGNITION_CHECK,
    /** Put the instance back into traffic. */
    PULL_IN,
    /** Put the previous version back. */
    RESTORE,
    /**
     * A/B: send requests carrying the release's header to the standby group only. Not of one
     * instance but of the traffic target; given out on the standby group's first instance.
     */
    ROUTE,
    /** A/B: end the header route (every request goes to the members again); given out like {@link #ROUTE}. */
    UNROUTE
}
