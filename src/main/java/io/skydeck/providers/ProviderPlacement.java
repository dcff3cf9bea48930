package io.skydeck.providers;

import io.skydeck.connectors.spi.Flavor;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;

/**
 * What placement needs to know about a provider that the provider does not say itself: the
 * account's limits (for clouds that hide their hosts) and its prices (for clouds without a
 * price list).
 */
public record ProviderPlacement(Optional<Integer> maxVcpus, Optional<Integer> maxMemoryGib,
                                Map<String, BigDecimal> flavorPrices, Optional<BigDecimal> vcpuHourPrice) {

    /** A GiB of memory per vCPU that AWS's general-purpose families offer, for limits given in vCPUs only. */
    static final int DEFAULT_GIB_PER_VCPU = 4;

    public static final ProviderPlacement NONE = new ProviderPlacement(Optional.empty(), Optional.empty(), Map.of(), Optional.empty());

    public ProviderPlacement {
        flavorPrices = Map.copyOf(flavorPrices);
    }

    static ProviderPlacement of(ProvidersConfig.Common config) {
        return new ProviderPlacement(config.maxVcpus(), config.maxMemoryGib(), config.flavorPrices(), config.vcpuHourPrice());
    }

    public Optional<Integer> memoryGib() {
        return maxMemoryGib.or(() -> maxVcpus.map(v -> v * DEFAULT_GIB_PER_VCPU));
    }

    /** The configured price of a flavor (keyed by its id or its name), else vCPUs times the flat rate, else none. */
    public Optional<BigDecimal> priceOf(Flavor flavor) {
        return Optional.ofNullable(flavorPrices.get(flavor.id())).or(() -> Optional.ofNullable(flavorPrices.get(flavor.name())))
                .or(() -> vcpuHourPrice.map(rate -> rate.multiply(BigDecimal.valueOf(flavor.resources().vcpus()))));
    }

    public boolean hasPrices() {
        return !flavorPrices.isEmpty() || vcpuHourPrice.isPresent();
    }
}
