package io.skydeck.billing.metering;

/**
 * A rated unit: what a usage record counts. The unit names follow FOCUS {@code ConsumedUnit}
 * wording so that they can be written to a FOCUS file unchanged.
 */
public enum Meter {
    SERVER_HOURS("Hour", "Compute", "Virtual Machines"),
    VCPU_HOURS("vCPU-Hour", "Compute", "Virtual Machines"),
    MEMORY_GIB_HOURS("GiB-Hour", "Compute", "Virtual Machines"),
    GPU_HOURS("GPU-Hour", "Compute", "Virtual Machines"),
    CONTAINER_VCPU_HOURS("vCPU-Hour", "Compute", "Containers"),
    CONTAINER_GIB_HOURS("GiB-Hour", "Compute", "Containers"),
    PUBLIC_IP_HOURS("IP-Hour", "Networking", "Public IP Addresses"),
    EGRESS_GB("GB", "Networking", "Data Transfer");

    private final String unit;
    private final String serviceCategory;
    private final String serviceName;

    Meter(String unit, String serviceCategory, String serviceName) {
        this.unit = unit;
        this.serviceCategory = serviceCategory;
        this.serviceName = serviceName;
    }

    /** The Skydeck service the meter belongs to (FOCUS ServiceName, reconciliation totals). */
    public String serviceName() {
        return serviceName;
    }

    public String unit() {
        return unit;
    }

    /** FOCUS ServiceCategory allowed value for charges of this meter. */
    public String serviceCategory() {
        return serviceCategory;
    }

    public boolean isTimeBased() {
        return this != EGRESS_GB;
    }
}
