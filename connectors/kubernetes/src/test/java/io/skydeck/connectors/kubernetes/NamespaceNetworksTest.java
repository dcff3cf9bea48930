package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.skydeck.connectors.spi.ContainerResources;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.SubnetSpec;
import io.skydeck.connectors.spi.WorkloadSpec;
import io.skydeck.connectors.spi.Workloads;
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

/** Networks as namespaces with a default-deny policy, against fabric8's mock API server in CRUD mode. */
class NamespaceNetworksTest {
    private static final String NS = "skydeck-acme-vpc-1";
    private static final NetworkSpec VPC = new NetworkSpec("acme-vpc-1", "eu-1", Optional.of("10.8.0.0/16"), Map.of("skydeck:tenant", "acme"));
    private static final IdempotencyToken TOKEN = IdempotencyToken.of("net-acme-1");

    /** The bodies POSTed, by path; the CRUD dispatcher consumes them, so they are copied first. */
    private final Map<String, String> posted = new ConcurrentHashMap<>();
    private KubernetesMockServer server;
    private KubernetesClient client;
    private KubernetesCloud cloud;
    private Networks networks;

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
        networks = cloud.require(Networks.class);
    }

    @AfterEach
    void stopCluster() {
        client.close();
        server.destroy();
    }

    @Test
    void aNetworkIsANamespaceWithADefaultDenyIngressPolicy() {
        var handle = networks.createNetwork(VPC, TOKEN);

        assertThat(handle.resource().type()).isEqualTo(ResourceType.NETWORK);
        assertThat(handle.resource().id()).isEqualTo(NS);
        assertThat(cloud.poll(handle)).isInstanceOf(OperationStatus.Succeeded.class);
        Golden.assertJson("network/namespace.json", posted.get("/api/v1/namespaces"));
        Golden.assertJson("network/default-deny.json", posted.get("/apis/networking.k8s.io/v1/namespaces/" + NS + "/networkpolicies"));
        assertThat(networks.getNetwork(NS)).hasValueSatisfying(network -> {
            assertThat(network.name()).isEqualTo("acme-vpc-1");
            assertThat(network.cidr()).contains("10.8.0.0/16");
            assertThat(network.token()).contains(TOKEN);
            assertThat(network.tags()).isEqualTo(Map.of("skydeck:tenant", "acme"));
        });
    }

    @Test
    void aRepeatFindsTheNamespaceAndAnotherRequestForTheNameIsRefused() {
        var first = networks.createNetwork(VPC, TOKEN);
        client.network().v1().networkPolicies().inNamespace(NS).withName(NamespaceNetworks.DEFAULT_DENY).delete();

        var again = networks.createNetwork(VPC, TOKEN);

        assertThat(again.resource()).isEqualTo(first.resource());
        assertThat(client.network().v1().networkPolicies().inNamespace(NS).withName(NamespaceNetworks.DEFAULT_DENY).get())
                .as("the repeat puts back a missing default-deny policy").isNotNull();
        assertThat(networks.findByToken(TOKEN).map(ref -> ref.id())).contains(NS);
        assertThatThrownBy(() -> networks.createNetwork(VPC, IdempotencyToken.of("net-other")))
                .isInstanceOfSatisfying(RequestRejected.class, rejected -> assertThat(rejected.providerCode()).contains("AlreadyExists"));
    }

    @Test
    void onlyNetworksAreListedNotTenantNamespaces() {
        networks.createNetwork(VPC, TOKEN);
        cloud.tenantNamespaces().ensure("acme", new TenantQuota(new ContainerResources(1000, 1024, 10), new ContainerResources(100, 128, 0)));

        assertThat(networks.listNetworks()).extracting(n -> n.id()).containsExactly(NS);
        assertThat(networks.getNetwork("skydeck-acme")).isEmpty();
        assertThat(networks.listSubnets(NS)).isEmpty();
    }

    @Test
    void aNetworkWithAWorkloadInItIsNotDeletedAndAnEmptyOneIs() {
        networks.createNetwork(VPC, TOKEN);
        cloud.require(Workloads.class).create(WorkloadSpec.deployment("web", "eu-1", NS, "nginx:1.27", 1, 100, 128), IdempotencyToken.of("w-web"));

        assertThatThrownBy(() -> networks.deleteNetwork(NS, TOKEN))
                .isInstanceOfSatisfying(RequestRejected.class, rejected -> {
                    assertThat(rejected.providerCode()).contains("NetworkInUse");
                    assertThat(rejected.providerMessage()).isEqualTo("Network " + NS + " is still used by Deployment web.");
                });
        client.apps().deployments().inNamespace(NS).withName("web").delete();

        var deleted = networks.deleteNetwork(NS, TOKEN);

        assertThat(cloud.poll(deleted)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(networks.getNetwork(NS)).isEmpty();
    }

    @Test
    void subnetsAreRefusedBecauseKubernetesHasNone() {
        networks.createNetwork(VPC, TOKEN);

        assertThatThrownBy(() -> networks.createSubnet(new SubnetSpec(NS, "a", "10.8.0.0/24", Optional.empty(), Map.of()), TOKEN))
                .isInstanceOfSatisfying(RequestRejected.class, rejected -> assertThat(rejected.providerCode()).contains("NoSubnets"));
        assertThatThrownBy(() -> networks.createNetwork(new NetworkSpec("Not_A_Label", "eu-1", Optional.empty(), Map.of()), TOKEN))
                .isInstanceOf(RequestRejected.class).hasMessageContaining("does not make a namespace name");
    }
}
