package io.skydeck.connectors.spi;

/** What a provider id refers to; used in handles and in "not found" errors. */
public enum ResourceType {
    SERVER,
    WORKLOAD,
    NETWORK,
    SUBNET,
    NETWORK_PEERING,
    VPN_CONNECTION,
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    PUBLIC_IP,
    FLAVOR,
    IMAGE,
    HOST,
    REGION,
    ZONE,
    OPERATION,
    /** What carries a group's traffic: an ELBv2 target group, an Octavia pool (see {@link TrafficTarget}). */
    TRAFFIC_TARGET
}
