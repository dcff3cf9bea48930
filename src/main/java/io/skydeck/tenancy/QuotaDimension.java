package io.skydeck.tenancy;

/** What a tenant's quota limits; the database key of each is its {@link #key()}. */
public enum QuotaDimension {
    VCPU("vcpu"),
    MEMORY_GIB("memoryGib"),
    SERVERS("servers"),
    WORKLOADS("workloads"),
    PUBLIC_IPS("publicIps"),
    NETWORKS("networks");

    private final String key;

    QuotaDimension(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }
}
