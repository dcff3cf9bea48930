package io.skydeck.drift;

import java.util.Objects;
import java.util.UUID;

/**
 * One disagreement between a provider and Skydeck's records.
 *
 * @param resourceId the Skydeck id: the record's for a ghost, the one in the create token for an
 *                   orphan Skydeck made and then lost track of; {@code null} for resources made elsewhere
 */
public record DriftFinding(String provider, Kind kind, Origin origin, ResourceType resourceType, String providerResourceId,
                           UUID resourceId, UUID tenantId, String name, String region) {

    public enum Kind {
        /** In the cloud, unknown to Skydeck: costs money nobody bills. */
        ORPHAN,
        /** Recorded as existing, gone from the cloud: billed, but nothing runs. */
        GHOST
    }

    public enum Origin {
        /** An orphan carrying one of Skydeck's create tokens: Skydeck made it and lost track of it. */
        SKYDECK_TOKEN,
        /** An orphan without a token of Skydeck's: made in the cloud's own console or API. */
        NO_TOKEN,
        /** A ghost: the record is Skydeck's own. */
        RECORDED
    }

    public enum ResourceType { SERVER, WORKLOAD, NETWORK, SUBNET, PUBLIC_IP }

    public DriftFinding {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(resourceType, "resourceType");
        Objects.requireNonNull(providerResourceId, "providerResourceId");
    }
}
