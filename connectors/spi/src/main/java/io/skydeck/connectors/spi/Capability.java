package io.skydeck.connectors.spi;

/**
 * Marker of the things a provider can do. Sealed so that {@link CapabilityKind} names every
 * one of them; the permitted interfaces are non-sealed so that any connector implements them.
 */
public sealed interface Capability
        permits Servers, Workloads, Networks, NetworkPeerings, VpnConnections, SecurityGroups, PublicIps, Inventory, PriceList,
                UsageExport, TrafficControl, Deployments {
}
