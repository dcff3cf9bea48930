package io.skydeck.connectors.sandbox;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.skydeck.connectors.spi.ProviderNetwork;
import io.skydeck.connectors.spi.ProviderPeering;
import io.skydeck.connectors.spi.ProviderPublicIp;
import io.skydeck.connectors.spi.ProviderSecurityGroup;
import io.skydeck.connectors.spi.ProviderServer;
import io.skydeck.connectors.spi.ProviderSubnet;
import io.skydeck.connectors.spi.ProviderVpnConnection;
import io.skydeck.connectors.spi.ProviderWorkload;

import java.time.Instant;
import java.util.List;

/**
 * Everything the simulated cloud holds, as one document: what a {@link SandboxStateStore} keeps and
 * reads. Maps are sorted by id and ids are zero-padded counters, so listings come out in
 * creation order and every run of the same calls produces the same file.
 *
 * <p>The tables and the usage list remember what changed since {@link #changesSaved()}, so a
 * journaling store ({@link FileStateStore}) writes one mutation's {@link SandboxChanges} instead
 * of the document.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
final class SandboxState {
    /** A token's first use: its operation, and the canonical JSON of the request it came with. */
    record TokenUse(String operationId, String fingerprint) {
    }

    int version = 1;
    /**
     * The last journal line this document contains, for a journaling store; absent (0) in the
     * document of a store that saves whole documents.
     */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    long journalSequence;
    long nextId;
    TrackedMap<ProviderServer> servers = new TrackedMap<>();
    TrackedMap<ProviderWorkload> workloads = new TrackedMap<>();
    TrackedMap<ProviderNetwork> networks = new TrackedMap<>();
    TrackedMap<ProviderSubnet> subnets = new TrackedMap<>();
    TrackedMap<ProviderSecurityGroup> securityGroups = new TrackedMap<>();
    TrackedMap<ProviderPublicIp> publicIps = new TrackedMap<>();
    TrackedMap<ProviderPeering> peerings = new TrackedMap<>();
    TrackedMap<ProviderVpnConnection> vpnConnections = new TrackedMap<>();
    /**
     * The subnet a server's fixed address is in, by server id (what a Neutron port records): an
     * address is unique within its subnet, and two tenants' networks may use the same range.
     */
    TrackedMap<String> serverSubnets = new TrackedMap<>();
    OperationTable operations = new OperationTable();
    TrackedMap<TokenUse> tokens = new TrackedMap<>();
    /** The load balancers releases pull instances in and out of, by {@link SandboxLoadBalancer#key}. */
    TrackedMap<SandboxLoadBalancer> loadBalancers = new TrackedMap<>();
    /**
     * The image a pod runs when it is not its workload's (an install put another one on it), by
     * pod id; cleared once every pod of the workload runs the same image, which then becomes the
     * workload's.
     */
    TrackedMap<String> podImages = new TrackedMap<>();
    /** The artifacts marked defective, by artifact: simulated bad versions for release tests. */
    TrackedMap<ArtifactDefect> artifactDefects = new TrackedMap<>();
    TrackedList<UsageSegment> usage = new TrackedList<>();

    /** Built on first use, then kept up to date by the tables themselves; not part of the document. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    private transient SandboxIndexes indexes;

    SandboxIndexes indexes() {
        if (indexes == null) {
            indexes = new SandboxIndexes(this);
        }
        return indexes;
    }

    String newId(String prefix) {
        nextId++;
        return String.format("%s-%06d", prefix, nextId);
    }

    /** What changed since the last {@link #changesSaved()}, as journal line {@code sequence}. */
    SandboxChanges changes(long sequence) {
        return new SandboxChanges(sequence, nextId, servers.changes(), workloads.changes(), networks.changes(),
                subnets.changes(), securityGroups.changes(), publicIps.changes(), peerings.changes(),
                vpnConnections.changes(), operations.changes(), tokens.changes(),
                usage.changes(), usage.size(), serverSubnets.changes(), loadBalancers.changes(), podImages.changes(),
                artifactDefects.changes());
    }

    /** Replays one journal line. */
    void apply(SandboxChanges changes) {
        nextId = changes.nextId();
        servers.apply(changes.servers());
        workloads.apply(changes.workloads());
        networks.apply(changes.networks());
        subnets.apply(changes.subnets());
        securityGroups.apply(changes.securityGroups());
        publicIps.apply(changes.publicIps());
        peerings.apply(changes.peerings());
        vpnConnections.apply(changes.vpnConnections());
        operations.apply(changes.operations());
        tokens.apply(changes.tokens());
        serverSubnets.apply(changes.serverSubnets());
        loadBalancers.apply(changes.loadBalancers());
        podImages.apply(changes.podImages());
        artifactDefects.apply(changes.artifactDefects());
        usage.apply(changes.usage(), changes.usageSize());
        journalSequence = changes.sequence();
    }

    /** What is in memory is now what is stored: start remembering changes afresh. */
    void changesSaved() {
        for (TrackedMap<?> table : tables()) {
            table.changesSaved();
        }
        usage.changesSaved();
    }

    /** How many things the cloud holds: a journal longer than this is worth folding into the document. */
    long entities() {
        long count = usage.size();
        for (TrackedMap<?> table : tables()) {
            count += table.size();
        }
        return count;
    }

    private List<TrackedMap<?>> tables() {
        return List.of(servers, workloads, networks, subnets, securityGroups, publicIps, peerings, vpnConnections, operations, tokens,
                serverSubnets, loadBalancers, podImages, artifactDefects);
    }

    /** Closes the open usage segments of a resource at {@code at}. */
    void stopMetering(String resourceId, Instant at) {
        usage.replaceAll(segment -> segment.resourceId().equals(resourceId) && segment.open() ? segment.closedAt(at) : segment);
    }
}
