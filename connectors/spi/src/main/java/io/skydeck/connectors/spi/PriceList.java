package io.skydeck.connectors.spi;

import java.util.List;
import java.util.Optional;

/** The provider's list prices, which rating and the cost weigher start from. */
public non-sealed interface PriceList extends Capability {

    List<FlavorPrice> flavorPrices(String region);

    default Optional<FlavorPrice> flavorPrice(String region, String flavorId) {
        return flavorPrices(region).stream().filter(price -> price.flavorId().equals(flavorId)).findFirst();
    }

    /** Container rates, when the provider prices containers apart from the servers under them. */
    default Optional<ContainerPrice> containerPrice(String region) {
        return Optional.empty();
    }
}
