package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.ProviderServer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Look-ups that the cloud's checks make on every create, kept as its tables change instead of
 * found by reading every server: the servers on each host (a host's free room sums only those) and
 * the fixed addresses taken in each subnet (an address is unique within its subnet, as in Neutron).
 * Built from a {@link SandboxState} when first asked for and then told of each put and remove of
 * its {@code servers} and {@code serverSubnets}; never saved (a state read back builds its own).
 */
final class SandboxIndexes {
    private final SandboxState state;
    private final Map<String, Set<String>> serversByHost = new HashMap<>();
    /** Subnet → address → how many servers hold it there (more than one only in a state that broke the rule before). */
    private final Map<String, Map<String, Integer>> addressesBySubnet = new HashMap<>();

    SandboxIndexes(SandboxState state) {
        this.state = state;
        state.servers.forEach((id, server) -> {
            onHost(id, server, +1);
            inSubnet(server, state.serverSubnets.get(id), +1);
        });
        state.servers.observe((id, before, after) -> {
            onHost(id, before, -1);
            onHost(id, after, +1);
            String subnet = state.serverSubnets.get(id);
            inSubnet(before, subnet, -1);
            inSubnet(after, subnet, +1);
        });
        state.serverSubnets.observe((id, before, after) -> {
            ProviderServer server = state.servers.get(id);
            inSubnet(server, before, -1);
            inSubnet(server, after, +1);
        });
    }

    /** The servers whose host is {@code host}, in id order. */
    List<ProviderServer> serversOn(String host) {
        return serversByHost.getOrDefault(host, Set.of()).stream().map(state.servers::get).toList();
    }

    /** Whether a server in {@code subnet} holds {@code address}. */
    boolean addressTaken(String subnet, String address) {
        return addressesBySubnet.getOrDefault(subnet, Map.of()).getOrDefault(address, 0) > 0;
    }

    private void onHost(String id, ProviderServer server, int delta) {
        if (server == null || server.host().isEmpty()) {
            return;
        }
        String host = server.host().get();
        if (delta > 0) {
            serversByHost.computeIfAbsent(host, h -> new TreeSet<>()).add(id);
        } else {
            Set<String> ids = serversByHost.get(host);
            if (ids != null && ids.remove(id) && ids.isEmpty()) {
                serversByHost.remove(host);
            }
        }
    }

    private void inSubnet(ProviderServer server, String subnet, int delta) {
        if (server == null || subnet == null) {
            return;
        }
        Map<String, Integer> taken = addressesBySubnet.computeIfAbsent(subnet, s -> new HashMap<>());
        for (String address : server.addresses()) {
            taken.compute(address, (a, held) -> {
                int now = (held == null ? 0 : held) + delta;
                return now > 0 ? now : null;
            });
        }
        if (taken.isEmpty()) {
            addressesBySubnet.remove(subnet);
        }
    }
}
