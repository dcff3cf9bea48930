package io.skydeck.connectors.kubernetes;

import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;

/** A pod as a release names an instance, "namespace/name"; a Service as a traffic target is named the same way. */
record PodId(String namespace, String name) {

    /** @throws ResourceNotFound for an id that cannot name an object */
    static PodId parse(String provider, ResourceType type, String id) {
        String[] parts = id.split("/", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new ResourceNotFound(provider, type, id, "Not a namespace/name: " + id + ".");
        }
        return new PodId(parts[0], parts[1]);
    }

    String format() {
        return namespace + "/" + name;
    }
}
