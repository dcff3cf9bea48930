package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.model.network.Network;

import java.util.Map;

/** The external network behind floating IPs and router gateways, named in config by id or by name. */
final class ExternalNetworks {
    private ExternalNetworks() {
    }

    static String idOf(OSClientV3 os, String provider, String pool) {
        Network byId = os.networking().network().get(pool);
        if (byId != null) {
            return byId.getId();
        }
        return os.networking().network().list(Map.of("name", pool, "router:external", "true")).stream()
                .findFirst().map(Network::getId)
                .orElseThrow(() -> new ResourceNotFound(provider, ResourceType.NETWORK, pool, "external network " + pool + " not found"));
    }
}
