package io.skydeck.tenancy;

import com.fasterxml.jackson.annotation.JsonIgnore;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.PositiveOrZero;

import java.util.EnumMap;
import java.util.Map;

/** An amount of each quota resource: a limit, a usage or a reservation. */
public record QuotaAmounts(
        @PositiveOrZero @Max(1_000_000) long vcpu,
        @PositiveOrZero @Max(100_000_000) long memoryGib,
        @PositiveOrZero @Max(1_000_000) long servers,
        @PositiveOrZero @Max(1_000_000) long workloads,
        @PositiveOrZero @Max(1_000_000) long publicIps,
        @PositiveOrZero @Max(1_000_000) long networks) {

    public long of(QuotaDimension resource) {
        return switch (resource) {
            case VCPU -> vcpu;
            case MEMORY_GIB -> memoryGib;
            case SERVERS -> servers;
            case WORKLOADS -> workloads;
            case PUBLIC_IPS -> publicIps;
            case NETWORKS -> networks;
        };
    }

    public static QuotaAmounts from(Map<QuotaDimension, Long> values) {
        Map<QuotaDimension, Long> v = new EnumMap<>(QuotaDimension.class);
        v.putAll(values);
        return new QuotaAmounts(v.getOrDefault(QuotaDimension.VCPU, 0L), v.getOrDefault(QuotaDimension.MEMORY_GIB, 0L),
                v.getOrDefault(QuotaDimension.SERVERS, 0L), v.getOrDefault(QuotaDimension.WORKLOADS, 0L),
                v.getOrDefault(QuotaDimension.PUBLIC_IPS, 0L), v.getOrDefault(QuotaDimension.NETWORKS, 0L));
    }

    @JsonIgnore
    public boolean isZero() {
        return vcpu == 0 && memoryGib == 0 && servers == 0 && workloads == 0 && publicIps == 0 && networks == 0;
    }
}
