package io.skydeck.network.reachability;

/** One side of a flow: a server or workload of ours, or a range of addresses outside every VPC. */
public sealed interface Peer permits Endpoint, ExternalRange {
    String id();
}
