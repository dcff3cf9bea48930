package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.ProviderServer;
import io.skydeck.connectors.spi.ProviderWorkload;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.ServerStatus;

import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * One instance a release works on: a server, or one pod of a workload. The sandbox's workloads
 * have no pod objects; their pods are named as a StatefulSet's are, {@code namespace/name-0} to
 * {@code namespace/name-(ready-1)}, and exist while that many replicas are ready. A pod runs its
 * workload's image unless an install put another one on it ({@link SandboxState#podImages}).
 */
sealed interface SandboxInstance {

    String id();

    String region();

    /** The image the instance runs now. */
    String artifact();

    /** Whether it can answer at all (a stopped server cannot), and if not, why. */
    Optional<String> down();

    /** The resource an install's operation is on: the server, or the pod as a workload-typed resource. */
    ResourceRef ref();

    record Server(ProviderServer server) implements SandboxInstance {
        @Override
        public String id() {
            return server.id();
        }

        @Override
        public String region() {
            return server.region();
        }

        @Override
        public String artifact() {
            return server.imageId();
        }

        @Override
        public Optional<String> down() {
            return server.status() == ServerStatus.ACTIVE ? Optional.empty()
                    : Optional.of("server " + server.id() + " is " + server.status());
        }

        @Override
        public ResourceRef ref() {
            return new ResourceRef(ResourceType.SERVER, server.id(), server.region());
        }
    }

    record Pod(ProviderWorkload workload, int ordinal, String artifact) implements SandboxInstance {
        @Override
        public String id() {
            return podId(workload, ordinal);
        }

        @Override
        public String region() {
            return workload.region();
        }

        @Override
        public Optional<String> down() {
            return Optional.empty(); // a pod exists only while its replica is ready
        }

        @Override
        public ResourceRef ref() {
            return new ResourceRef(ResourceType.WORKLOAD, id(), workload.region());
        }
    }

    static String podId(ProviderWorkload workload, int ordinal) {
        return workload.id() + "-" + ordinal;
    }

    /** The pods of {@code workload} that exist now, in ordinal order. */
    static List<String> podIds(ProviderWorkload workload) {
        return IntStream.range(0, workload.readyReplicas()).mapToObj(ordinal -> podId(workload, ordinal)).toList();
    }

    /** The server or pod called {@code instanceId}, if it exists now. */
    static Optional<SandboxInstance> find(SandboxState state, String instanceId) {
        var server = state.servers.get(instanceId);
        if (server != null) {
            return Optional.of(new Server(server));
        }
        int dash = instanceId.lastIndexOf('-');
        if (dash < 1 || dash == instanceId.length() - 1 || !instanceId.substring(dash + 1).chars().allMatch(Character::isDigit)
                || instanceId.length() - dash > 10) {
            return Optional.empty();
        }
        var workload = state.workloads.get(instanceId.substring(0, dash));
        int ordinal = Integer.parseInt(instanceId.substring(dash + 1));
        if (workload == null || ordinal >= workload.readyReplicas() || !podId(workload, ordinal).equals(instanceId)) {
            return Optional.empty(); // "-01" is not pod 1
        }
        return Optional.of(new Pod(workload, ordinal, state.podImages.getOrDefault(instanceId, workload.image())));
    }
}
