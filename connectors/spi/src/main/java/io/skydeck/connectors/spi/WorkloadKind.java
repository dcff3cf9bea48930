package io.skydeck.connectors.spi;

/** The Kubernetes controller a workload maps to. */
public enum WorkloadKind {
    DEPLOYMENT,
    STATEFUL_SET,
    /** One replica per node; {@link WorkloadSpec#replicas()} is the provider's to decide. */
    DAEMON_SET
}
