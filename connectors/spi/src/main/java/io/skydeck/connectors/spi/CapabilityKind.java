package io.skydeck.connectors.spi;

/** The capabilities by name, for {@code GET /v1/providers} and for error messages. */
public enum CapabilityKind {
    SERVERS(Servers.class, "run servers (VMs)"),
    WORKLOADS(Workloads.class, "run container workloads"),
    NETWORKS(Networks.class, "manage networks and subnets"),
    NETWORK_PEERINGS(NetworkPeerings.class, "peer two of its networks"),
    VPN_CONNECTIONS(VpnConnections.class, "join its networks to another provider's over an IPsec VPN"),
    SECURITY_GROUPS(SecurityGroups.class, "manage security groups and rules"),
    PUBLIC_IPS(PublicIps.class, "allocate public (floating) IP addresses"),
    INVENTORY(Inventory.class, "report inventory and capacity"),
    PRICE_LIST(PriceList.class, "publish a price list"),
    USAGE_EXPORT(UsageExport.class, "export billed usage"),
    TRAFFIC_CONTROL(TrafficControl.class, "take instances in and out of traffic"),
    DEPLOYMENTS(Deployments.class, "install a version onto an instance");

    private final Class<? extends Capability> type;
    private final String ability;

    CapabilityKind(Class<? extends Capability> type, String ability) {
        this.type = type;
        this.ability = ability;
    }

    public Class<? extends Capability> type() {
        return type;
    }

    /** Completes the sentence "provider X cannot …". */
    public String ability() {
        return ability;
    }

    public static CapabilityKind of(Class<? extends Capability> type) {
        for (CapabilityKind kind : values()) {
            if (kind.type == type) {
                return kind;
            }
        }
        // Unreachable while Capability is sealed and every permitted type is listed above.
        throw new IllegalArgumentException("not a capability interface: " + type.getName());
    }
}
