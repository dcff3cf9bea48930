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
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A Service of one workload moved to another by the pull-ins of a release over two workloads, on
 * fabric8's mock API server in CRUD mode: Service web selects Deployment blue's pods; green is the
 * standby workload of the same namespace.
 */
class WorkloadSwitchTest {
    private static final String NS = "skydeck-acme";
    private static final TrafficTarget WEB = new TrafficTarget("eu-1", NS + "/web");

    private KubernetesMockServer server;
    private KubernetesClient client;
    private TrafficControl traffic;

    @BeforeEach
    void startCluster() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        var config = KubernetesConfig.withToken("k8s-gw", "eu-1", URI.create(server.url("/")), "s3cr3t-token")
                .withGateway(new KubernetesConfig.Gateway("gateways", "public"));
        client = KubernetesClients.fromConfig(config);
        traffic = new KubernetesCloud(config, client, Clock.fixed(Instant.parse("2025-03-01T10:00:00Z"), ZoneOffset.UTC))
                .require(TrafficControl.class);
        client.services().inNamespace(NS).resource(new ServiceBuilder()
                .withNewMetadata().withName("web").withNamespace(NS).endMetadata()
                .withNewSpec().withSelector(workload("blue")).addNewPort().withPort(80).endPort().endSpec()
                .build()).create();
        pod("blue-0", "blue", "in");
        pod("blue-1", "blue", "in");
        pod("green-0", "green", "in");
        pod("green-1", "green", "in");
        pod("stray", null, null);
    }

    @AfterEach
    void stopCluster() {
        client.close();
        server.destroy();
    }

    /**
     * Blue-green: green's pods pulled out (the Service is untouched), then the first green pull-in
     * moves the Service's selector to green in one patch; blue's pull-outs only label; a rollback's
     * pull-in of a blue pod moves it back.
     */
    @Test
    void theFirstPullInOfTheOtherWorkloadSwitchesTheServiceAndARollbackSwitchesBack() {
        traffic.pullOut(WEB, NS + "/green-0");
        traffic.pullOut(WEB, NS + "/green-1");
        assertThat(selector()).as("pulling the standby out adopts nothing and moves nothing").isEqualTo(workload("blue"));
        assertThat(trafficLabel("green-0")).isEqualTo("out");

        traffic.pullIn(WEB, NS + "/green-0");

        assertThat(selector()).isEqualTo(with(workload("green"), "skydeck.io/traffic", "in"));
        assertThat(trafficLabel("green-0")).isEqualTo("in");
        traffic.pullIn(WEB, NS + "/green-1");
        traffic.pullOut(WEB, NS + "/blue-0");
        traffic.pullOut(WEB, NS + "/blue-1");
        assertThat(selector()).isEqualTo(with(workload("green"), "skydeck.io/traffic", "in"));
        assertThat(traffic.inTraffic(WEB)).containsExactly(NS + "/green-0", NS + "/green-1");

        traffic.pullIn(WEB, NS + "/blue-0");

        assertThat(selector()).isEqualTo(with(workload("blue"), "skydeck.io/traffic", "in"));
        assertThat(traffic.inTraffic(WEB)).containsExactly(NS + "/blue-0");
    }

    @Test
    void aPodThatIsNoSkydeckWorkloadsIsStillNotSelected() {
        assertThatThrownBy(() -> traffic.pullIn(WEB, NS + "/stray")).isInstanceOf(RequestRejected.class)
                .hasMessageContaining("is not selected by Service " + NS + "/web");
        assertThat(selector()).isEqualTo(workload("blue"));
    }

    /**
     * A/B over two workloads: the variant Service selects green's pods with traffic "variant"; a
     * pull-in of a marked green pod labels it "variant" and leaves the Service on blue. Ending the
     * split while green serves (a promotion) moves the Service to green.
     */
    @Test
    void aHeaderRouteToTheOtherWorkloadAndItsPromotion() {
        traffic.pullOut(WEB, NS + "/green-0");
        traffic.pullOut(WEB, NS + "/green-1");
        traffic.routeByHeader(WEB, Set.of(NS + "/green-0", NS + "/green-1"), "X-Variant", "b");
        traffic.pullIn(WEB, NS + "/green-0");
        traffic.pullIn(WEB, NS + "/green-1");

        assertThat(client.services().inNamespace(NS).withName("web-variant").get().getSpec().getSelector())
                .isEqualTo(with(workload("green"), "skydeck.io/traffic", "variant"));
        assertThat(trafficLabel("green-0")).isEqualTo("variant");
        assertThat(selector()).isEqualTo(with(workload("blue"), "skydeck.io/traffic", "in"));
        assertThat(client.resources(HTTPRoute.class).inNamespace(NS).withName("web").get().getSpec().getRules()).hasSize(2);

        traffic.routeByHeader(WEB, Set.of(), null, null);

        assertThat(selector()).isEqualTo(with(workload("green"), "skydeck.io/traffic", "in"));
        assertThat(trafficLabel("green-0")).isEqualTo("in");
        assertThat(trafficLabel("blue-0")).as("blue is left to the release's pull-outs").isEqualTo("in");
        assertThat(client.services().inNamespace(NS).withName("web-variant").get()).isNull();
    }

    /** Rolled back: green was pulled out before the route is cleared, so the Service stays on blue. */
    @Test
    void aRolledBackHeaderRouteLeavesTheServiceOnItsWorkload() {
        traffic.routeByHeader(WEB, Set.of(NS + "/green-0"), "X-Variant", "b");
        traffic.pullOut(WEB, NS + "/green-0");

        traffic.routeByHeader(WEB, Set.of(), null, null);

        assertThat(selector()).isEqualTo(with(workload("blue"), "skydeck.io/traffic", "in"));
        assertThat(trafficLabel("green-0")).isEqualTo("out");
    }

    private Map<String, String> selector() {
        return client.services().inNamespace(NS).withName("web").get().getSpec().getSelector();
    }

    private String trafficLabel(String pod) {
        return client.pods().inNamespace(NS).withName(pod).get().getMetadata().getLabels().get("skydeck.io/traffic");
    }

    private static Map<String, String> workload(String name) {
        return Map.of("skydeck.io/workload", name, "skydeck.io/workload-kind", "deployment");
    }

    private static Map<String, String> with(Map<String, String> labels, String key, String value) {
        var copy = new HashMap<>(labels);
        copy.put(key, value);
        return copy;
    }

    private void pod(String name, String workload, String trafficLabel) {
        var labels = new HashMap<String, String>();
        if (workload != null) {
            labels.putAll(workload(workload));
        } else {
            labels.put("app", "stray");
        }
        if (trafficLabel != null) {
            labels.put("skydeck.io/traffic", trafficLabel);
        }
        Pod pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("main").withImage("web:1").endContainer().endSpec()
                .withNewStatus()
                .withContainerStatuses(new ContainerStatusBuilder().withName("main").withImage("web:1").withReady(true).build())
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build())
                .endStatus()
                .build();
        client.pods().inNamespace(NS).resource(pod).create();
    }
}
