package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Weights and header routes through the Gateway API on fabric8's mock API server in CRUD mode: the
 * HTTPRoute, the variant Service and the pods' labels are read back from the server and asserted
 * whole. The mock runs no gateway, so what is asserted is what Skydeck wrote, not traffic.
 */
class GatewaySplitTest {
    private static final String NS = "skydeck-acme";
    private static final String REGION = "eu-1";
    private static final TrafficTarget WEB = new TrafficTarget(REGION, NS + "/web");
    private static final Map<String, String> SELECTOR = Map.of("skydeck.io/workload", "web", "skydeck.io/workload-kind", "deployment",
            "skydeck.io/traffic", "in");

    private KubernetesMockServer server;
    private KubernetesClient client;
    private TrafficControl traffic;
    private TrafficControl withoutGateway;

    @BeforeEach
    void startCluster() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        var config = KubernetesConfig.withToken("k8s-gw", REGION, URI.create(server.url("/")), "s3cr3t-token");
        client = KubernetesClients.fromConfig(config);
        Clock clock = Clock.fixed(Instant.parse("2025-03-01T10:00:00Z"), ZoneOffset.UTC);
        traffic = new KubernetesCloud(config.withGateway(KubernetesConfig.Gateway.parse("gateways/public")), client, clock)
                .require(TrafficControl.class);
        withoutGateway = new KubernetesCloud(config, client, clock).require(TrafficControl.class);
        client.services().inNamespace(NS).resource(new ServiceBuilder()
                .withNewMetadata().withName("web").withNamespace(NS).endMetadata()
                .withNewSpec().withSelector(SELECTOR).addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort().endSpec()
                .build()).create();
        for (String pod : List.of("web-a", "web-b", "web-c", "web-d")) {
            pod(pod);
        }
    }

    @AfterEach
    void stopCluster() {
        client.close();
        server.destroy();
    }

    @Test
    void onlyAClusterWithAGatewaySplits() {
        assertThat(traffic.weighsTraffic()).isTrue();
        assertThat(traffic.routesByHeader()).isTrue();
        assertThat(withoutGateway.weighsTraffic()).isFalse();
        assertThat(withoutGateway.routesByHeader()).isFalse();
        assertThatThrownBy(() -> withoutGateway.weigh(WEB, Set.of(NS + "/web-a"), 10))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("no gateway");
    }

    /**
     * 10 % to web-a: the route's one rule sends weight 90 to Service web and 10 to web-variant, both
     * on port 80, attached to Gateway gateways/public; web-variant selects the same pods but
     * traffic "variant"; web-a is marked and relabelled, the other three are untouched.
     */
    @Test
    void aWeightWritesTheRouteTheVariantServiceAndMovesTheCanaryPod() {
        traffic.weigh(WEB, Set.of(NS + "/web-a"), 10);

        HTTPRoute route = route();
        assertThat(route.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "skydeck");
        var parent = route.getSpec().getParentRefs().get(0);
        assertThat(List.of(parent.getGroup(), parent.getKind(), parent.getNamespace(), parent.getName()))
                .containsExactly("gateway.networking.k8s.io", "Gateway", "gateways", "public");
        assertThat(route.getSpec().getRules()).hasSize(1);
        assertThat(route.getSpec().getRules().get(0).getMatches()).isNullOrEmpty();
        assertThat(backends(route, 0)).containsExactly("Service/web:80 weight 90", "Service/web-variant:80 weight 10");

        var variant = client.services().inNamespace(NS).withName("web-variant").get();
        assertThat(variant.getSpec().getSelector()).isEqualTo(Map.of("skydeck.io/workload", "web",
                "skydeck.io/workload-kind", "deployment", "skydeck.io/traffic", "variant"));
        assertThat(variant.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getPort()).isEqualTo(80);
            assertThat(p.getName()).isEqualTo("http");
        });
        assertThat(labels("web-a")).containsEntry("skydeck.io/traffic", "variant").containsEntry("skydeck.io/variant", "true");
        for (String other : List.of("web-b", "web-c", "web-d")) {
            assertThat(labels(other)).as(other).containsEntry("skydeck.io/traffic", "in").doesNotContainKey("skydeck.io/variant");
        }
        assertThat(traffic.inTraffic(WEB)).as("a variant pod is still in traffic")
                .containsExactly(NS + "/web-a", NS + "/web-b", NS + "/web-c", NS + "/web-d");

        traffic.weigh(WEB, Set.of(NS + "/web-a"), 50);
        assertThat(backends(route(), 0)).containsExactly("Service/web:80 weight 50", "Service/web-variant:80 weight 50");
    }

    /** A canary pod pulled out and back in while marked comes back to the variant Service, not the stable one. */
    @Test
    void aMarkedPodPulledBackInReturnsToTheVariant() {
        traffic.weigh(WEB, Set.of(NS + "/web-a"), 0);
        traffic.pullOut(WEB, NS + "/web-a");
        assertThat(labels("web-a")).containsEntry("skydeck.io/traffic", "out");

        traffic.pullIn(WEB, NS + "/web-a");

        assertThat(labels("web-a")).containsEntry("skydeck.io/traffic", "variant");
        assertThat(backends(route(), 0)).containsExactly("Service/web:80 weight 100", "Service/web-variant:80 weight 0");
    }

    /**
     * A weight over every pod of the Service ends the split: every pod back to "in" and unmarked,
     * the route's one rule to Service web alone, the variant Service deleted.
     */
    @Test
    void aWeightOverEveryPodEndsTheSplit() {
        traffic.weigh(WEB, Set.of(NS + "/web-a", NS + "/web-b"), 30);

        traffic.weigh(WEB, Set.of(NS + "/web-a", NS + "/web-b", NS + "/web-c", NS + "/web-d"), 100);

        assertTheSplitEnded();
    }

    @Test
    void noCanaryPodsEndsTheSplit() {
        traffic.weigh(WEB, Set.of(NS + "/web-a"), 0);

        traffic.weigh(WEB, Set.of(), 0); // a rolled-back canary, restored: every pod takes its share again

        assertTheSplitEnded();
    }

    /** One backend, Service web; no variant Service; every pod in traffic and unmarked. */
    private void assertTheSplitEnded() {
        assertThat(backends(route(), 0)).containsExactly("Service/web:80 weight 1");
        assertThat(client.services().inNamespace(NS).withName("web-variant").get()).isNull();
        for (String pod : List.of("web-a", "web-b", "web-c", "web-d")) {
            assertThat(labels(pod)).as(pod).containsEntry("skydeck.io/traffic", "in");
            assertThat(labels(pod).get("skydeck.io/variant")).as(pod).isNull();
        }
    }

    /**
     * X-Variant: b to web-c and web-d: the first rule matches the header exactly and goes to the
     * variant, the second takes everything else to Service web. A null header ends it.
     */
    @Test
    void aHeaderRouteMatchesTheHeaderFirstAndEndsCleanly() {
        traffic.routeByHeader(WEB, Set.of(NS + "/web-c", NS + "/web-d"), "X-Variant", "b");

        HTTPRoute route = route();
        assertThat(route.getSpec().getRules()).hasSize(2);
        var header = route.getSpec().getRules().get(0).getMatches().get(0).getHeaders().get(0);
        assertThat(List.of(header.getType(), header.getName(), header.getValue())).containsExactly("Exact", "X-Variant", "b");
        assertThat(backends(route, 0)).containsExactly("Service/web-variant:80 weight 1");
        assertThat(route.getSpec().getRules().get(1).getMatches()).isNullOrEmpty();
        assertThat(backends(route, 1)).containsExactly("Service/web:80 weight 1");
        assertThat(labels("web-c")).containsEntry("skydeck.io/traffic", "variant");
        assertThat(labels("web-a")).containsEntry("skydeck.io/traffic", "in");

        traffic.routeByHeader(WEB, Set.of(), null, null);

        assertThat(route().getSpec().getRules()).hasSize(1);
        assertThat(backends(route(), 0)).containsExactly("Service/web:80 weight 1");
        assertThat(labels("web-c")).containsEntry("skydeck.io/traffic", "in");
        assertThat(labels("web-c").get("skydeck.io/variant")).isNull();
        assertThat(client.services().inNamespace(NS).withName("web-variant").get()).isNull();
    }

    @Test
    void aCookieIsMatchedByARegularExpressionOverTheCookieHeader() {
        traffic.routeByHeader(WEB, Set.of(NS + "/web-d"), "Cookie", "ab=b.1");

        var header = route().getSpec().getRules().get(0).getMatches().get(0).getHeaders().get(0);
        assertThat(List.of(header.getType(), header.getName(), header.getValue()))
                .containsExactly("RegularExpression", "Cookie", "^(.*;\\s*)?ab=b\\.1(;.*)?$");
        var pattern = java.util.regex.Pattern.compile(header.getValue());
        assertThat(pattern.matcher("ab=b.1").matches()).isTrue();
        assertThat(pattern.matcher("sid=9; ab=b.1; x=y").matches()).isTrue();
        assertThat(pattern.matcher("ab=bx1").matches()).isFalse();
        assertThat(pattern.matcher("xab=b.1").matches()).isFalse();
    }

    @Test
    void aRouteOfTheSameNameThatIsNotSkydecksIsNeverOverwritten() {
        client.resources(HTTPRoute.class).inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder()
                .withNewMetadata().withName("web").withNamespace(NS).endMetadata()
                .withNewSpec().addNewRule().addNewBackendRef().withName("other").withPort(8080).endBackendRef().endRule().endSpec()
                .build()).create();

        assertThatThrownBy(() -> traffic.weigh(WEB, Set.of(NS + "/web-a"), 10)).isInstanceOf(RequestRejected.class)
                .hasMessageContaining("HTTPRoute " + NS + "/web exists and is not Skydeck's");
        assertThat(backends(route(), 0)).containsExactly("/other:8080 weight null");
        assertThat(labels("web-a")).containsEntry("skydeck.io/traffic", "in").doesNotContainKey("skydeck.io/variant");
    }

    @Test
    void aCanaryPodTheServiceDoesNotSelectIsNotFoundAndNothingIsWritten() {
        assertThatThrownBy(() -> traffic.weigh(WEB, Set.of(NS + "/api-a"), 10)).isInstanceOf(ResourceNotFound.class)
                .hasMessageContaining("[" + NS + "/api-a] are not pods of Service " + NS + "/web");
        assertThat(client.resources(HTTPRoute.class).inNamespace(NS).withName("web").get()).isNull();
    }

    private HTTPRoute route() {
        return client.resources(HTTPRoute.class).inNamespace(NS).withName("web").get();
    }

    private static List<String> backends(HTTPRoute route, int rule) {
        return route.getSpec().getRules().get(rule).getBackendRefs().stream()
                .map(b -> (b.getKind() == null ? "" : b.getKind()) + "/" + b.getName() + ":" + b.getPort() + " weight " + b.getWeight())
                .toList();
    }

    /**
     * The pod's labels as stored. The mock keeps the null of a merge patch that removes a label as a
     * null value (the API server drops the key), so a removed mark reads as absent or null.
     */
    private Map<String, String> labels(String pod) {
        return client.pods().inNamespace(NS).withName(pod).get().getMetadata().getLabels();
    }

    private void pod(String name) {
        Pod pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NS).withLabels(new HashMap<>(SELECTOR)).endMetadata()
                .withNewSpec().addNewContainer().withName("main").withImage("web:1").endContainer().endSpec()
                .withNewStatus()
                .withContainerStatuses(new ContainerStatusBuilder().withName("main").withImage("web:1").withReady(true).build())
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build())
                .endStatus()
                .build();
        client.pods().inNamespace(NS).resource(pod).create();
    }
}
