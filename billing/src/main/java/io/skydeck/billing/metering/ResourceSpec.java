package io.skydeck.billing.metering;

import java.util.Objects;

/**
 * The billable shape of a resource at some moment.
 *
 * @param flavor    provider flavor / instance type name; empty for containers and IPs
 * @param vcpus     virtual CPUs (may be fractional for containers, e.g. 0.5)
 * @param memoryMib memory in MiB (a GiB-hour is 1024 MiB for one hour)
 * @param gpus      attached GPUs
 * @param publicIps public IPv4 addresses attached while the resource exists
 */
public record ResourceSpec(String flavor, java.math.BigDecimal vcpus, long memoryMib, int gpus, int publicIps) {
    public ResourceSpec {
        Objects.requireNonNull(flavor, "flavor");
        Objects.requireNonNull(vcpus, "vcpus");
        if (vcpus.signum() < 0 || memoryMib < 0 || gpus < 0 || publicIps < 0) {
            throw new IllegalArgumentException("resource spec amounts must not be negative");
        }
    }

    public static ResourceSpec server(String flavor, int vcpus, long memoryMib, int gpus, int publicIps) {
        return new ResourceSpec(flavor, java.math.BigDecimal.valueOf(vcpus), memoryMib, gpus, publicIps);
    }

    public static ResourceSpec container(String vcpus, long memoryMib) {
        return new ResourceSpec("", new java.math.BigDecimal(vcpus), memoryMib, 0, 0);
    }

    public static ResourceSpec publicIp() {
        return new ResourceSpec("", java.math.BigDecimal.ZERO, 0, 0, 1);
    }
}
