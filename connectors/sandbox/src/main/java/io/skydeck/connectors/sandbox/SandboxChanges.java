package io.skydeck.connectors.sandbox;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.skydeck.connectors.spi.ProviderNetwork;
import io.skydeck.connectors.spi.ProviderPeering;
import io.skydeck.connectors.spi.ProviderPublicIp;
import io.skydeck.connectors.spi.ProviderSecurityGroup;
import io.skydeck.connectors.spi.ProviderServer;
import io.skydeck.connectors.spi.ProviderSubnet;
import io.skydeck.connectors.spi.ProviderVpnConnection;
import io.skydeck.connectors.spi.ProviderWorkload;

import java.util.Map;

/**
 * One line of the {@link FileStateStore}'s journal: what one mutation changed. Each table lists
 * the ids that changed with their new value, or null for an id removed; {@code usage} the
 * segments that changed or appeared, by position, and {@code usageSize} the list's length after.
 * Tables without changes are left out of the line.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
record SandboxChanges(long sequence, long nextId,
                      Map<String, ProviderServer> servers,
                      Map<String, ProviderWorkload> workloads,
                      Map<String, ProviderNetwork> networks,
                      Map<String, ProviderSubnet> subnets,
                      Map<String, ProviderSecurityGroup> securityGroups,
                      Map<String, ProviderPublicIp> publicIps,
                      Map<String, ProviderPeering> peerings,
                      Map<String, ProviderVpnConnection> vpnConnections,
                      Map<String, SandboxOperation> operations,
                      Map<String, SandboxState.TokenUse> tokens,
                      Map<Integer, UsageSegment> usage,
                      int usageSize,
                      Map<String, String> serverSubnets,
                      Map<String, SandboxLoadBalancer> loadBalancers,
                      Map<String, String> podImages,
                      Map<String, ArtifactDefect> artifactDefects) {

    SandboxChanges {
        // A table left out of the line comes back as null.
        servers = orEmpty(servers);
        workloads = orEmpty(workloads);
        networks = orEmpty(networks);
        subnets = orEmpty(subnets);
        securityGroups = orEmpty(securityGroups);
        publicIps = orEmpty(publicIps);
        peerings = orEmpty(peerings);
        vpnConnections = orEmpty(vpnConnections);
        operations = orEmpty(operations);
        tokens = orEmpty(tokens);
        usage = orEmpty(usage);
        serverSubnets = orEmpty(serverSubnets);
        loadBalancers = orEmpty(loadBalancers);
        podImages = orEmpty(podImages);
        artifactDefects = orEmpty(artifactDefects);
    }

    private static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }
}
