package io.skydeck.connectors.spi;

import java.util.List;
import java.util.Objects;

/**
 * A region of one provider and its availability zones (OpenStack: region and Nova
 * availability zones; AWS: region and AZs; Kubernetes: the cluster and its zone labels).
 */
public record Region(String id, List<String> zones) {
    public Region {
        Objects.requireNonNull(id, "id");
        zones = List.copyOf(zones);
    }

    public boolean hasZone(String zone) {
        return zones.contains(zone);
    }
}
