package io.skydeck.connectors.kubernetes;

import io.skydeck.connectors.spi.ContainerResources;

import java.util.Objects;

/**
 * What a tenant's namespace may use in total ({@code total}: requests of cpu and memory, and
 * a pod count), and what a container that asks for nothing gets ({@code defaultPerContainer};
 * its pod count is ignored). The ResourceQuota makes requests mandatory, and the LimitRange
 * fills them in for pods created outside Skydeck so that those are not simply refused.
 */
public record TenantQuota(ContainerResources total, ContainerResources defaultPerContainer) {
    public TenantQuota {
        Objects.requireNonNull(total, "total");
        Objects.requireNonNull(defaultPerContainer, "defaultPerContainer");
        if (defaultPerContainer.cpuMillis() > total.cpuMillis() || defaultPerContainer.memoryMiB() > total.memoryMiB()) {
            throw new IllegalArgumentException("a container's default " + defaultPerContainer + " exceeds the namespace's quota " + total);
        }
    }
}
