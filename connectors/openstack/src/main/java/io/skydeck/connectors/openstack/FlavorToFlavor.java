package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.Flavor;
import io.skydeck.connectors.spi.Resources;

/** A Nova flavor as a Skydeck flavor. GPUs are not counted: Nova hides them in extra specs. */
final class FlavorToFlavor {
    private FlavorToFlavor() {
    }

    static Flavor convert(org.openstack4j.model.compute.Flavor flavor) {
        return new Flavor(flavor.getId(), flavor.getName(), new Resources(flavor.getVcpus(), flavor.getRam(), 0), flavor.getDisk());
    }
}
