package io.skydeck.billing.metering;

/** What kind of thing is metered; it decides which meters a running interval produces. */
public enum ResourceKind {
    /** A virtual or physical server: server-hours by flavor, vCPU-, GiB- and GPU-hours. */
    SERVER,
    /** A container workload: container vCPU- and GiB-hours. */
    CONTAINER,
    /** A standalone public (floating) IP address: public-IP-hours while it exists. */
    PUBLIC_IP
}
