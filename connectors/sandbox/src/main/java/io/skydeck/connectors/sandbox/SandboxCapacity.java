package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.ContainerResources;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.ProviderServer;
import io.skydeck.connectors.spi.ProviderWorkload;
import io.skydeck.connectors.spi.Resources;
import io.skydeck.connectors.spi.ServerStatus;
import io.skydeck.connectors.spi.WorkloadStatus;

/**
 * What hosts and container pools have left, always computed from the servers and workloads
 * that exist rather than kept as counters — so capacity can never drift from what runs, also
 * across a restart.
 */
final class SandboxCapacity {
    private final SandboxTopology topology;
    private final SandboxState state;

    SandboxCapacity(SandboxTopology topology, SandboxState state) {
        this.topology = topology;
        this.state = state;
    }

    Resources hostFree(SandboxTopology.HostSpec host) {
        Resources used = Resources.NONE;
        for (ProviderServer server : state.indexes().serversOn(host.id())) {
            used = used.plus(reserved(server));
        }
        // A resize migrating a server here holds the new flavor here from the start.
        for (SandboxOperation op : state.operations.pending()) {
            if (op.kind() == OperationKind.RESIZE
                    && SandboxServers.migrationDestination(op).filter(host.id()::equals).isPresent()) {
                used = used.plus(flavorResources(SandboxServers.resizeTarget(op)));
            }
        }
        return host.capacity().minus(used);
    }

    /**
     * A server holds its flavor until it is gone; a failed one holds nothing (like a Nova
     * server that never got a host). While resizing it holds the larger of both flavors in
     * every dimension, so that a resize that fails can fall back without losing its place; one
     * that migrates keeps its current flavor here while its destination holds the new one.
     */
    Resources reserved(ProviderServer server) {
        if (server.status() == ServerStatus.ERROR) {
            return Resources.NONE;
        }
        Resources current = flavorResources(server.flavorId());
        if (server.status() != ServerStatus.RESIZING) {
            return current;
        }
        // A migrating resize holds the new flavor on its destination instead (see hostFree).
        Resources target = state.operations.pending().stream()
                .filter(op -> op.kind() == OperationKind.RESIZE && op.resource().id().equals(server.id()))
                .filter(op -> SandboxServers.migrationDestination(op).isEmpty())
                .map(op -> flavorResources(SandboxServers.resizeTarget(op)))
                .findFirst()
                .orElse(current);
        return new Resources(Math.max(current.vcpus(), target.vcpus()), Math.max(current.memoryMiB(), target.memoryMiB()),
                Math.max(current.gpus(), target.gpus()));
    }

    ContainerResources poolFree(SandboxTopology.ZoneSpec zone) {
        ContainerResources used = ContainerResources.NONE;
        for (ProviderWorkload workload : state.workloads.values()) {
            if (workload.zone().orElse("").equals(zone.id())) {
                used = used.plus(reserved(workload));
            }
        }
        return zone.containerPool().minus(used);
    }

    /** Replicas hold their share while they run and while they are being scaled down. */
    ContainerResources reserved(ProviderWorkload workload) {
        if (workload.status() == WorkloadStatus.FAILED) {
            return ContainerResources.NONE;
        }
        return workload.perReplica().times(Math.max(workload.desiredReplicas(), workload.readyReplicas()));
    }

    private Resources flavorResources(String flavorId) {
        return topology.flavor(flavorId).map(SandboxTopology.FlavorSpec::resources).orElse(Resources.NONE);
    }
}
