package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;

import java.time.Clock;

/** What every capability of one cluster shares: its name, region, client, clock and error mapping. */
record Cluster(String provider, String region, String namespacePrefix, KubernetesClient client, Clock clock,
               KubernetesErrors errors) {

    /**
     * Skydeck only ever acts inside its own tenant namespaces, so that a mistaken id can never
     * touch kube-system or another team's workloads. Refused before any call is made.
     */
    void requireTenantNamespace(String namespace) {
        if (!isTenantNamespace(namespace)) {
            throw new RequestRejected(provider, "Namespace " + namespace + " is not a Skydeck tenant namespace (prefix "
                    + namespacePrefix + ").", "NamespaceNotManaged", null);
        }
    }

    boolean isTenantNamespace(String namespace) {
        return namespace != null && namespace.startsWith(namespacePrefix) && namespace.length() > namespacePrefix.length();
    }

    void requireRegion(String requested) {
        if (!region.equals(requested)) {
            throw new ResourceNotFound(provider, ResourceType.REGION, requested,
                    "Cluster " + provider + " serves region " + region + ", not " + requested + ".");
        }
    }
}
