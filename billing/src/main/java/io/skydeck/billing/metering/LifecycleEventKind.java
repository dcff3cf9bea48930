package io.skydeck.billing.metering;

/**
 * What happened to a resource. Only some kinds change what is billable; the timeline decides.
 *
 * <p>{@link #REPORTED} is not a lifecycle transition: it is a periodic sample that carries
 * counters (egress bytes) for a running resource without changing its state. Without it a
 * server that runs for a month could report egress only when it is stopped or deleted.
 */
public enum LifecycleEventKind {
    REQUESTED,
    CREATED,
    STARTED,
    STOPPED,
    RESIZED,
    DELETED,
    FAILED,
    REPORTED
}
