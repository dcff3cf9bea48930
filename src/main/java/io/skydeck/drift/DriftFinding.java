package io.skydeck.drift;

import java.util.Objects;
import java.util.UUID;

/**
 * One disagreement between a provider and Skydeck's records.
 *
 * @param detail     what differs, for a resource that is there but not as recorded; null otherwise
 * @param resourceId the Skydeck id: the record's for a ghost, the one in the create token for an
 *                   orphan Skydeck made and then lost track of; {@code null} for resources made elsewhere
 */
public record DriftFinding(String provider, Kind kind, Origin origin, ResourceType resourceType, String providerResourceId,
                           UUID resourceId, UUID tenantId, String name, String region, String detail) {

    public enum Kind {
        /** In the cloud, unknown to Skydeck: costs money nobody bills. */
        ORPHAN,
        /** Recorded as existing, gone from the cloud: billed, but nothing runs. */
        GHOST,
        /** Recorded and in the cloud, but not as recorded: a security group whose rules were changed behind Skydeck's back. */
        CHANGED
    }

    public enum Origin {
        /** An orphan carrying one of Skydeck's create tokens: Skydeck made it and lost track of it. */
        SKYDECK_TOKEN,
        /** An orphan without a token of Skydeck's: made in the cloud's own console or API. */
        NO_TOKEN,
        /** A ghost: the record is Skydeck's own. */
        RECORDED
    }

    public enum ResourceType { SERVER, WORKLOAD, NETWORK, SUBNET, PUBLIC_IP, SECURITY_GROUP }

    public DriftFinding {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(resourceType, "resourceType");
        Objects.requireNonNull(providerResourceId, "providerResourceId");
    }

    public DriftFinding(String provider, Kind kind, Origin origin, ResourceType resourceType, String providerResourceId,
                        UUID resourceId, UUID tenantId, String name, String region) {
        this(provider, kind, origin, resourceType, providerResourceId, resourceId, tenantId, name, region, null);
    }
}
