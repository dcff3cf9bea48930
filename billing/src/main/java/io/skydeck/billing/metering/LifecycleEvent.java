package io.skydeck.billing.metering;

import java.time.Instant;
import java.util.Objects;

/**
 * One thing that happened to a resource, as the compute façade reports it.
 *
 * @param eventId            unique id; metering is idempotent by it
 * @param tenantId           owning tenant
 * @param resourceId         Skydeck's resource id
 * @param providerResourceId the provider's id for it (EC2 instance id, Nova server id …); used
 *                           to reconcile against provider bills
 * @param provider           provider name as configured ("aws", "openstack", "sandbox" …)
 * @param region             provider region
 * @param resourceKind       server, container or public IP
 * @param kind               what happened
 * @param occurredAt         when it happened at the provider, exact to the second or finer
 * @param spec               the resource's shape from this moment on; {@code null} keeps the
 *                           previous shape (required on the first CREATED/STARTED)
 * @param egressBytes        bytes sent out to the internet since this resource's previous
 *                           report; attributed to the hour of {@code occurredAt}
 */
public record LifecycleEvent(
        String eventId,
        String tenantId,
        String resourceId,
        String providerResourceId,
        String provider,
        String region,
        ResourceKind resourceKind,
        LifecycleEventKind kind,
        Instant occurredAt,
        ResourceSpec spec,
        long egressBytes) {

    public LifecycleEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(resourceId, "resourceId");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(resourceKind, "resourceKind");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(occurredAt, "occurredAt");
        if (providerResourceId == null) {
            providerResourceId = resourceId;
        }
        if (egressBytes < 0) {
            throw new IllegalArgumentException("egressBytes must not be negative");
        }
    }
}
