package io.skydeck.connectors.sandbox;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import io.skydeck.connectors.spi.ProviderNetwork;
import io.skydeck.connectors.spi.ProviderPublicIp;
import io.skydeck.connectors.spi.ProviderSecurityGroup;
import io.skydeck.connectors.spi.ProviderServer;
import io.skydeck.connectors.spi.ProviderSubnet;
import io.skydeck.connectors.spi.ProviderWorkload;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the simulated cloud holds, as one document: what a {@link SandboxStateStore} keeps and
 * reads. Maps are sorted by id and ids are zero-padded counters, so listings come out in
 * creation order and every run of the same calls produces the same file.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
final class SandboxState {
    /** A token's first use: its operation, and the canonical JSON of the request it came with. */
    record TokenUse(String operationId, String fingerprint) {
    }

    int version = 1;
    long nextId;
    Map<String, ProviderServer> servers = new TreeMap<>();
    Map<String, ProviderWorkload> workloads = new TreeMap<>();
    Map<String, ProviderNetwork> networks = new TreeMap<>();
    Map<String, ProviderSubnet> subnets = new TreeMap<>();
    Map<String, ProviderSecurityGroup> securityGroups = new TreeMap<>();
    Map<String, ProviderPublicIp> publicIps = new TreeMap<>();
    Map<String, SandboxOperation> operations = new TreeMap<>();
    Map<String, TokenUse> tokens = new TreeMap<>();
    List<UsageSegment> usage = new ArrayList<>();

    String newId(String prefix) {
        nextId++;
        return String.format("%s-%06d", prefix, nextId);
    }

    /** Closes the open usage segments of a resource at {@code at}. */
    void stopMetering(String resourceId, Instant at) {
        usage.replaceAll(segment -> segment.resourceId().equals(resourceId) && segment.open() ? segment.closedAt(at) : segment);
    }
}
