package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.skydeck.connectors.spi.ContainerCapacity;
import io.skydeck.connectors.spi.Flavor;
import io.skydeck.connectors.spi.HostCapacity;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.ResourceType;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Nodes as container pools. A cluster has no flavors, and its nodes are not hosts Skydeck can
 * place servers on, so those lists are empty. Two list calls per answer (nodes, pods of all
 * namespaces); fine for hundreds of nodes, an informer cache would be the next step.
 */
final class KubernetesInventory implements Inventory {
    private final Cluster cluster;

    KubernetesInventory(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public List<Flavor> flavors(String region) {
        cluster.requireRegion(region);
        return List.of();
    }

    @Override
    public List<HostCapacity> hosts(String region) {
        cluster.requireRegion(region);
        return List.of();
    }

    @Override
    public List<ContainerCapacity> containerCapacity(String region) {
        cluster.requireRegion(region);
        List<Node> nodes = cluster.errors().call(ResourceType.HOST, "*", () -> cluster.client().nodes().list().getItems());
        // Pending pods without a node are demand, not usage: they are not on any pool yet.
        Map<String, List<Pod>> podsByNode = cluster.errors().call(ResourceType.HOST, "*",
                        () -> cluster.client().pods().inAnyNamespace().list().getItems()).stream()
                .filter(pod -> pod.getSpec() != null && pod.getSpec().getNodeName() != null)
                .filter(NodeToContainerCapacity::holdsResources)
                .collect(Collectors.groupingBy(pod -> pod.getSpec().getNodeName()));
        return nodes.stream()
                .map(node -> NodeToContainerCapacity.convert(node, podsByNode.getOrDefault(node.getMetadata().getName(), List.of()), region))
                .toList();
    }

    /** The zones of the cluster, from the nodes' topology labels, sorted. */
    List<String> zones() {
        return cluster.errors().call(ResourceType.ZONE, "*", () -> cluster.client().nodes().list().getItems()).stream()
                .map(NodeToContainerCapacity::zone).distinct().sorted().toList();
    }
}
