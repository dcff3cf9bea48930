package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.ContainerPrice;
import io.skydeck.connectors.spi.FlavorPrice;
import io.skydeck.connectors.spi.Money;
import io.skydeck.connectors.spi.PriceList;
import io.skydeck.connectors.spi.ResourceType;

import java.util.List;
import java.util.Optional;

/** The topology's list prices; the same in every region. */
final class SandboxPriceList implements PriceList {
    private final SandboxCloud cloud;

    SandboxPriceList(SandboxCloud cloud) {
        this.cloud = cloud;
    }

    @Override
    public List<FlavorPrice> flavorPrices(String region) {
        return cloud.read(SandboxCall.READ_PRICES, () -> {
            requireRegion(region);
            var topology = cloud.topology();
            return topology.flavors().stream()
                    .map(flavor -> new FlavorPrice(flavor.id(), region, new Money(flavor.hourly(), topology.currency())))
                    .toList();
        });
    }

    @Override
    public Optional<ContainerPrice> containerPrice(String region) {
        return cloud.read(SandboxCall.READ_PRICES, () -> {
            requireRegion(region);
            var topology = cloud.topology();
            return Optional.of(new ContainerPrice(region, new Money(topology.containerVcpuHourly(), topology.currency()),
                    new Money(topology.containerGibHourly(), topology.currency())));
        });
    }

    private void requireRegion(String region) {
        cloud.topology().region(region).orElseThrow(() -> cloud.notFound(ResourceType.REGION, region));
    }
}
