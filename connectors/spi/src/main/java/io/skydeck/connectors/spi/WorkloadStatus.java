package io.skydeck.connectors.spi;

/** A workload's state, from its controller's conditions. A deleted workload is absent. */
public enum WorkloadStatus {
    PROGRESSING,
    AVAILABLE,
    /** Running, but fewer ready replicas than desired. */
    DEGRADED,
    TERMINATING,
    FAILED,
    UNKNOWN
}
