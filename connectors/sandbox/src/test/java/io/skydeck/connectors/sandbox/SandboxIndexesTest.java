package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.ProviderServer;
import io.skydeck.connectors.spi.ServerStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kept look-ups answer what reading every server answers, after any sequence of puts and
 * removes of servers and of their subnets, whether the index was built before or after them.
 */
class SandboxIndexesTest {
    private static final List<String> HOSTS = List.of("h1", "h2", "h3");
    private static final List<String> SUBNETS = List.of("sn-a", "sn-b");
    private static final List<String> ADDRESSES = List.of("10.0.0.4", "10.0.0.5", "10.0.0.6");

    @Test
    void keptLookUpsAgreeWithAScanOfEveryServer() {
        for (long seed = 1; seed <= 40; seed++) {
            var random = new Random(seed);
            var state = new SandboxState();
            int buildAt = random.nextInt(60);
            for (int step = 0; step < 120; step++) {
                if (step == buildAt) {
                    state.indexes();
                }
                String id = "srv-" + random.nextInt(12);
                switch (random.nextInt(5)) {
                    case 0, 1 -> state.servers.put(id, server(id, random));
                    case 2 -> state.servers.remove(id);
                    case 3 -> state.serverSubnets.put(id, SUBNETS.get(random.nextInt(SUBNETS.size())));
                    default -> state.serverSubnets.remove(id);
                }
                if (step >= buildAt) {
                    assertAgrees(state, "seed " + seed + " step " + step);
                }
            }
            state.servers.clear();
            assertAgrees(state, "seed " + seed + " after clear");
        }
    }

    private static void assertAgrees(SandboxState state, String when) {
        for (String host : HOSTS) {
            var scanned = state.servers.values().stream().filter(s -> s.host().orElse("").equals(host)).toList();
            assertThat(state.indexes().serversOn(host)).as(when + ": servers on " + host).isEqualTo(scanned);
        }
        for (String subnet : SUBNETS) {
            for (String address : ADDRESSES) {
                boolean scanned = state.servers.values().stream()
                        .anyMatch(s -> s.addresses().contains(address) && subnet.equals(state.serverSubnets.get(s.id())));
                assertThat(state.indexes().addressTaken(subnet, address)).as(when + ": " + address + " in " + subnet).isEqualTo(scanned);
            }
        }
    }

    private static ProviderServer server(String id, Random random) {
        Optional<String> host = random.nextInt(5) == 0 ? Optional.empty() : Optional.of(HOSTS.get(random.nextInt(HOSTS.size())));
        List<String> addresses = random.nextBoolean() ? List.of() : List.of(ADDRESSES.get(random.nextInt(ADDRESSES.size())));
        return new ProviderServer(id, "n-" + id, "sbx-east-1", "sbx-east-1a", host, "m1.small", "debian-12", ServerStatus.ACTIVE,
                "ACTIVE", Optional.empty(), addresses, Map.of(), Instant.EPOCH);
    }
}
