package io.skydeck.connectors.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A container workload: image, replicas, the per-replica request of cpu and memory, and the
 * security groups (provider ids) its replicas are members of.
 */
public record WorkloadSpec(
        String name,
        String region,
        Optional<String> zone,
        String namespace,
        WorkloadKind kind,
        String image,
        int replicas,
        ContainerResources perReplica,
        Map<String, String> labels,
        List<String> securityGroupIds) {

    public WorkloadSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(perReplica, "perReplica");
        if (replicas < 0) {
            throw new IllegalArgumentException("replicas cannot be negative: " + replicas);
        }
        labels = Map.copyOf(labels);
        securityGroupIds = securityGroupIds == null ? List.of() : List.copyOf(securityGroupIds);
    }

    public WorkloadSpec(String name, String region, Optional<String> zone, String namespace, WorkloadKind kind, String image,
                        int replicas, ContainerResources perReplica, Map<String, String> labels) {
        this(name, region, zone, namespace, kind, image, replicas, perReplica, labels, List.of());
    }

    /** The same workload, its replicas members of these security groups (provider ids). */
    public WorkloadSpec inGroups(List<String> securityGroupIds) {
        return new WorkloadSpec(name, region, zone, namespace, kind, image, replicas, perReplica, labels, securityGroupIds);
    }

    /** A Deployment in no particular zone, each replica asking for cpu millicores and MiB and one pod. */
    public static WorkloadSpec deployment(String name, String region, String namespace, String image,
                                          int replicas, long cpuMillis, long memoryMiB) {
        return new WorkloadSpec(name, region, Optional.empty(), namespace, WorkloadKind.DEPLOYMENT, image,
                replicas, new ContainerResources(cpuMillis, memoryMiB, 1), Map.of());
    }
}
