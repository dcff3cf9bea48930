package io.skydeck.network;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.sandbox.SandboxTopology;
import io.skydeck.connectors.spi.Capability;
import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.ProviderHealth;
import io.skydeck.connectors.spi.ProviderKind;
import io.skydeck.connectors.spi.Region;
import io.skydeck.connectors.spi.VpnConnections;
import io.skydeck.connectors.spi.VpnSpec;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.InterceptedProvider;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitFinished;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/**
 * A link between two providers is a VPN with a side in each, made one after the other, each given
 * the other's public address and the one pre-shared key Skydeck keeps. Two more sandbox clouds are
 * registered for it — one with VPN, one without — so the test runs in an application of its own
 * (its profile), and no other test's placement ever sees them.
 */
@QuarkusTest
@TestProfile(NetworkLinkVpnTest.MoreClouds.class)
class NetworkLinkVpnTest {

    public static class MoreClouds implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of();
        }
    }

    private static final String OTHER = "sandbox-other";
    private static final String NO_VPN = "sandbox-novpn";

    @Inject
    ProviderRegistry providers;

    @Inject
    EntityManager em;

    /** Every VPN side the two clouds were asked to make, as asked. */
    private static final List<VpnSpec> sides = new CopyOnWriteArrayList<>();

    UUID tenant;
    UUID project;
    String token;

    @BeforeEach
    void twoMoreCloudsAndATenant() {
        if (providers.find(OTHER).isEmpty()) {
            providers.register(new InterceptedProvider(cloud(OTHER), this::record));
            providers.replace(new InterceptedProvider(providers.get(SandboxCloud.DEFAULT_NAME), this::record));
            providers.register(new WithoutVpn(cloud(NO_VPN)));
        }
        tenant = createTenant(uniqueName("vpnten"), quota(8, 16, 2, 0, 0, 6));
        project = createProject(tenant, "hybrid");
        token = Tokens.tenant(tenant);
    }

    private void record(java.lang.reflect.Method method, Object[] args) {
        if (method.getName().equals("createVpnConnection")) {
            sides.add((VpnSpec) args[0]);
        }
    }

    private static SandboxCloud cloud(String name) {
        try {
            return new SandboxCloud(name, SandboxTopology.defaultTopology().withLatency(SandboxTopology.Latency.NONE),
                    Files.createTempDirectory(name), Clock.systemUTC());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void networksInTwoProvidersAreJoinedByAVpnWithASideInEachThatNamesTheOthersAddressAndOneKey() {
        String east = network("here", "10.31.0.0/16", SandboxCloud.DEFAULT_NAME);
        String west = network("there", "10.32.0.0/16", OTHER);

        Response accepted = as(token).body(Map.of("networkA", east, "networkB", west)).post("/v1/network-links").then().statusCode(202)
                .body("resource.kind", equalTo("VPN")).body("resource.status", equalTo("CREATING"))
                .body("resource", not(hasKey("preSharedKey"))).extract().response();
        String linkId = accepted.path("resource.id");
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        Response link = awaitAvailable(linkId);
        assertThat(link.asString()).doesNotContain(key(linkId));

        String endpointA = link.path("endpointA");
        String endpointB = link.path("endpointB");
        assertThat(endpointA).startsWith("198.51.100.");
        assertThat(endpointB).startsWith("198.51.100.");
        assertThat(link.<String>path("providerLinkA")).startsWith("vpn-");
        assertThat(link.<String>path("providerLinkB")).startsWith("vpn-");
        String key = key(linkId);
        assertThat(key).hasSize(40).matches("[A-Za-z][A-Za-z0-9]{39}");
        List<VpnSpec> made = sides.stream().filter(spec -> spec.tags().get("skydeck-link").equals(linkId)).toList();
        assertThat(made).hasSize(2).allSatisfy(spec -> assertThat(spec.preSharedKey()).isEqualTo(key));
        boolean aIsEast = link.<String>path("networkA").equals(east);
        VpnSpec eastSide = made.stream().filter(s -> s.localCidr().equals("10.31.0.0/16")).findFirst().orElseThrow();
        VpnSpec westSide = made.stream().filter(s -> s.localCidr().equals("10.32.0.0/16")).findFirst().orElseThrow();
        assertThat(eastSide.peerCidr()).isEqualTo("10.32.0.0/16");
        assertThat(westSide.peerCidr()).isEqualTo("10.31.0.0/16");
        assertThat(eastSide.peerAddress()).isEqualTo(aIsEast ? endpointB : endpointA);
        assertThat(westSide.peerAddress()).isEqualTo(aIsEast ? endpointA : endpointB);
        Number audited = QuarkusTransaction.requiringNew().call(() -> (Number) em.createNativeQuery(
                "SELECT count(*) FROM audit_log WHERE CAST(details AS text) LIKE ?1").setParameter(1, "%" + key + "%").getSingleResult());
        assertThat(audited.intValue()).as("the key is in no audit record").isZero();

        as(token).get("/v1/networks/" + east + "/routes").then()
                .body("items.destination", equalTo(List.of("10.32.0.0/16"))).body("items.detail", equalTo(List.of("VPN to network there")));

        Response deleting = as(token).delete("/v1/network-links/" + linkId).then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, deleting.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        as(token).get("/v1/network-links/" + linkId).then().body("status", equalTo("DELETED"));
        assertThat(providers.get(SandboxCloud.DEFAULT_NAME).require(VpnConnections.class).getVpnConnection(
                aIsEast ? link.path("providerLinkA") : link.path("providerLinkB"))).isEmpty();
        assertThat(providers.get(OTHER).require(VpnConnections.class).getVpnConnection(
                aIsEast ? link.path("providerLinkB") : link.path("providerLinkA"))).isEmpty();
    }

    @Test
    void aProviderWithoutVpnIsNamedInA409WhenTheLinkIsAskedFor() {
        String here = network("here2", "10.41.0.0/16", SandboxCloud.DEFAULT_NAME);
        String cluster = network("cluster", "10.42.0.0/16", NO_VPN);

        as(token).body(Map.of("networkA", here, "networkB", cluster)).post("/v1/network-links").then().statusCode(409)
                .contentType("application/problem+json")
                .body("detail", startsWith("provider " + NO_VPN + " cannot join its networks to another provider's over an IPsec VPN"))
                .body("errors[0].field", equalTo("networkB"))
                .body("detail", containsString("network cluster"));
        as(token).get("/v1/network-links").then().body("items.size()", equalTo(0));
    }

    private String key(String linkId) {
        return QuarkusTransaction.requiringNew().call(() -> (String) em.createNativeQuery("SELECT pre_shared_key FROM network_link WHERE id = ?1")
                .setParameter(1, UUID.fromString(linkId)).getSingleResult());
    }

    private Response awaitAvailable(String linkId) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            Response link = as(token).get("/v1/network-links/" + linkId).then().statusCode(200).extract().response();
            if (!"CREATING".equals(link.path("status"))) {
                assertThat(link.<String>path("status")).as(link.asString()).isEqualTo("AVAILABLE");
                return link;
            }
            assertThat(System.nanoTime()).as("link " + linkId + " available within 30 s").isLessThan(deadline);
            io.skydeck.support.Operations.pause(100);
        }
    }

    private String network(String name, String cidr, String provider) {
        Response accepted = as(token).body(Map.of("projectId", project.toString(), "name", name, "cidr", cidr,
                "hints", Map.of("provider", provider, "region", "sbx-east-1"))).post("/v1/networks").then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        String id = accepted.path("resource.id");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!as(token).get("/v1/networks/" + id).then().extract().<List<String>>path("subnets.status").stream().allMatch("AVAILABLE"::equals)) {
            assertThat(System.nanoTime()).as("subnets of " + name + " available within 30 s").isLessThan(deadline);
            io.skydeck.support.Operations.pause(50);
        }
        return id;
    }

    /** A cloud like the sandbox but without VPN, as a Kubernetes cluster is. */
    private static final class WithoutVpn implements CloudProvider {
        private final CloudProvider delegate;

        WithoutVpn(CloudProvider delegate) {
            this.delegate = delegate;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public ProviderKind kind() {
            return delegate.kind();
        }

        @Override
        public List<Region> regions() {
            return delegate.regions();
        }

        @Override
        public Set<CapabilityKind> capabilities() {
            var kinds = EnumSet.copyOf(delegate.capabilities());
            kinds.remove(CapabilityKind.VPN_CONNECTIONS);
            return kinds;
        }

        @Override
        public <C extends Capability> Optional<C> capability(Class<C> type) {
            return type == VpnConnections.class ? Optional.empty() : delegate.capability(type);
        }

        @Override
        public ProviderHealth health() {
            return delegate.health();
        }
    }
}
