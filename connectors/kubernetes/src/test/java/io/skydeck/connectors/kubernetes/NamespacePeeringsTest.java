package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkPeerings;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.PeeringSpec;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Two network namespaces peered by a pair of NetworkPolicies, against fabric8's mock API server in CRUD mode. */
class NamespacePeeringsTest {
    private static final String A = "skydeck-acme-east";
    private static final String B = "skydeck-acme-west";
    private static final IdempotencyToken TOKEN = IdempotencyToken.of("skydeck-lnk-1-a");
    private static final PeeringSpec SPEC = new PeeringSpec(new PeeringSpec.NetworkSide("eu-1", A, "10.1.0.0/16"),
            new PeeringSpec.NetworkSide("eu-1", B, "10.2.0.0/16"), Map.of());

    private final Map<String, String> posted = new ConcurrentHashMap<>();
    private KubernetesMockServer server;
    private KubernetesClient client;
    private KubernetesCloud cloud;
    private NetworkPeerings peerings;

    @BeforeEach
    void startCluster() {
        var dispatcher = new KubernetesCrudDispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (request.getMethod().equals("POST")) {
                    String body = request.getBody().readUtf8();
                    posted.put(request.getPath(), body);
                    request = new RecordedRequest(request.getRequestLine(), request.getHeaders(), List.of(), body.length(),
                            new Buffer(body.getBytes(StandardCharsets.UTF_8)), 0, null);
                }
                return super.dispatch(request);
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        var config = KubernetesConfig.withToken("k8s-test", "eu-1", URI.create(server.url("/")), "s3cr3t-token");
        client = KubernetesClients.fromConfig(config);
        cloud = new KubernetesCloud(config, client, Clock.fixed(Instant.parse("2025-03-01T10:00:00Z"), ZoneOffset.UTC));
        peerings = cloud.require(NetworkPeerings.class);
        var networks = cloud.require(Networks.class);
        networks.createNetwork(new NetworkSpec("acme-east", "eu-1", Optional.of("10.1.0.0/16"), Map.of()), IdempotencyToken.of("n-east"));
        networks.createNetwork(new NetworkSpec("acme-west", "eu-1", Optional.of("10.2.0.0/16"), Map.of()), IdempotencyToken.of("n-west"));
    }

    @AfterEach
    void stopCluster() {
        client.close();
        server.destroy();
    }

    @Test
    void aPeeringIsAPolicyInEachNamespaceAdmittingTheOther() {
        var handle = peerings.createPeering(SPEC, TOKEN);

        assertThat(cloud.capabilities()).contains(CapabilityKind.NETWORK_PEERINGS).doesNotContain(CapabilityKind.VPN_CONNECTIONS);
        assertThat(peerings.acrossRegions()).isFalse();
        assertThat(handle.resource().id()).isEqualTo(A + "~" + B);
        assertThat(cloud.poll(handle)).isInstanceOf(OperationStatus.Succeeded.class);
        Golden.assertJson("network/peering-east-admits-west.json",
                posted.get("/apis/networking.k8s.io/v1/namespaces/" + A + "/networkpolicies"));
        var west = client.network().v1().networkPolicies().inNamespace(B).withName("skydeck-peering-" + A).get();
        assertThat(west.getSpec().getIngress().get(0).getFrom().get(0).getNamespaceSelector().getMatchLabels())
                .isEqualTo(Map.of("kubernetes.io/metadata.name", A));
        assertThat(peerings.createPeering(SPEC, TOKEN).resource().id()).as("a repeat changes nothing").isEqualTo(handle.resource().id());

        var found = peerings.findPeeringByToken(TOKEN).orElseThrow();
        assertThat(found.networkId()).isEqualTo(A);
        assertThat(found.peerNetworkId()).isEqualTo(B);
        assertThat(found.token()).contains(TOKEN);

        var deleted = peerings.deletePeering(found.id(), IdempotencyToken.of("skydeck-lnkdel-1-a"));
        assertThat(cloud.poll(deleted)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(peerings.getPeering(found.id())).isEmpty();
        assertThat(client.network().v1().networkPolicies().inNamespace(A).withName(NamespaceNetworks.DEFAULT_DENY).get())
                .as("the default deny stays").isNotNull();
        assertThatThrownBy(() -> peerings.deletePeering(found.id(), IdempotencyToken.of("skydeck-lnkdel-1-a")))
                .isInstanceOf(ResourceNotFound.class);
    }

    @Test
    void onlyTenantNamespacesThatExistArePeered() {
        var toSystem = new PeeringSpec(SPEC.local(), new PeeringSpec.NetworkSide("eu-1", "kube-system", "10.3.0.0/16"), Map.of());
        assertThatThrownBy(() -> peerings.createPeering(toSystem, TOKEN)).isInstanceOf(RequestRejected.class).hasMessageContaining("kube-system");
        var toNothing = new PeeringSpec(SPEC.local(), new PeeringSpec.NetworkSide("eu-1", "skydeck-acme-gone", "10.3.0.0/16"), Map.of());
        assertThatThrownBy(() -> peerings.createPeering(toNothing, TOKEN)).isInstanceOf(ResourceNotFound.class);
    }
}
