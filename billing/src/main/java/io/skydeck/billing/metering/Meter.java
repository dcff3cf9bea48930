package io.skydeck.billing.metering;

/**
 * A rated unit: what a usage record counts. The unit names follow FOCUS {@code ConsumedUnit}
 * wording so that they can be written to a FOCUS file unchanged.
 */
public enum Meter {
    SERVER_HOURS("Hour", "Compute"),
    VCPU_HOURS("vCPU-Hour", "Compute"),
    MEMORY_GIB_HOURS("GiB-Hour", "Compute"),
    GPU_HOURS("GPU-Hour", "Compute"),
    CONTAINER_VCPU_HOURS("vCPU-Hour", "Compute"),
    CONTAINER_GIB_HOURS("GiB-Hour", "Compute"),
    PUBLIC_IP_HOURS("IP-Hour", "Networking"),
    EGRESS_GB("GB", "Networking");

    private final String unit;
    private final String serviceCategory;

    Meter(String unit, String serviceCategory) {
        this.unit = unit;
        this.serviceCategory = serviceCategory;
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
