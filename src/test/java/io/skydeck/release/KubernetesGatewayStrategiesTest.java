package io.skydeck.release;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.skydeck.release.KubernetesReleaseCluster.client;
import static io.skydeck.release.KubernetesWorkloadFixtures.image;
import static io.skydeck.release.KubernetesWorkloadFixtures.traffic;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Splits on a cluster configured with Gateway API Gateway {@value KubernetesReleaseCluster#GATEWAY}
 * ({@link KubernetesReleaseCluster.GatewayProfile}): a CANARY by weight and an AB_TEST between two
 * workload groups, through the HTTP API, on fabric8's mock API server in CRUD mode. The mock runs no
 * gateway: what is asserted is the HTTPRoute, the variant Service and the pods' labels Skydeck wrote.
 */
@QuarkusTest
@TestProfile(KubernetesReleaseCluster.GatewayProfile.class)
class KubernetesGatewayStrategiesTest {

    /**
     * Three pods, steps 10 % (held until a person resumes) and 50 %. Held at 10 %: the route's rule
     * sends 90 to Service {@code cw} and 10 to {@code cw-variant}, which selects the traffic label
     * "variant" that only the canary pod (00, on web:2) carries. Resumed, the rest follow, and the
     * last gate's weight over every pod ends the split: one backend, no variant Service, every pod
     * "in" on web:2.
     */
    @Test
    void aCanaryByWeightWritesItsWeightsIntoTheRouteAndEndsTheSplit() {
        KubernetesWorkloadFixtures k8s = new KubernetesWorkloadFixtures();
        var web = k8s.deployment("cw", "web:1", 3);
        String service = k8s.service(web);
        String app = k8s.application();
        String group = k8s.group(app, web, service);
        String version = k8s.version(app, "2", "web:2");

        Response accepted = k8s.release(Map.of("groupId", group, "versionId", version, "strategy", "CANARY",
                "canary", Map.of("steps", List.of(Map.of("weight", 10, "pause", "indefinite"), Map.of("weight", 50, "pause", "PT0S")))));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        assertThat(accepted.<String>path("canary.mode")).isEqualTo("WEIGHT");
        String id = accepted.path("id");

        Response held = k8s.awaitState(id, "PAUSED");
        assertThat(held.<Integer>path("canary.gate.weight")).isEqualTo(10);
        HTTPRoute route = route(k8s, "cw");
        assertThat(route.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "skydeck");
        assertThat(route.getSpec().getParentRefs()).singleElement()
                .satisfies(p -> assertThat(p.getNamespace() + "/" + p.getName()).isEqualTo(KubernetesReleaseCluster.GATEWAY));
        assertThat(route.getSpec().getRules()).hasSize(1);
        assertThat(backends(route.getSpec().getRules().get(0).getBackendRefs())).containsExactly("cw:80=90", "cw-variant:80=10");
        assertThat(client().services().inNamespace(k8s.namespace).withName("cw-variant").get().getSpec().getSelector())
                .isEqualTo(Map.of("skydeck.io/workload", "cw", "skydeck.io/workload-kind", "deployment", "skydeck.io/traffic", "variant"));
        var pods = k8s.pods("cw");
        assertThat(image(pods.get(0))).isEqualTo("web:2");
        assertThat(traffic(pods.get(0))).isEqualTo("variant");
        assertThat(pods.subList(1, 3)).allSatisfy(p -> {
            assertThat(image(p)).isEqualTo("web:1");
            assertThat(traffic(p)).isEqualTo("in");
        });

        assertThat(k8s.act(id, "resume").statusCode()).isEqualTo(200);

        Response done = k8s.awaitState(id, "SUCCEEDED");
        assertThat(done.<List<String>>path("instances.state")).containsExactly("DONE", "DONE", "DONE");
        assertThat(backends(route(k8s, "cw").getSpec().getRules().get(0).getBackendRefs())).containsExactly("cw:80=1");
        assertThat(client().services().inNamespace(k8s.namespace).withName("cw-variant").get()).isNull();
        assertThat(k8s.pods("cw")).allSatisfy(p -> {
            assertThat(image(p)).isEqualTo("web:2");
            assertThat(traffic(p)).isEqualTo("in");
        });
        assertThat(k8s.events(id)).filteredOn(e -> "CANARY_WEIGHT".equals(e.get("to"))).extracting(e -> (String) e.get("reason"))
                .anySatisfy(r -> assertThat(r).startsWith("10 %")).anySatisfy(r -> assertThat(r).startsWith("50 %"));
    }

    /**
     * AB_TEST from workload abblue to abgreen behind Service abblue, header X-Variant: b. TESTING:
     * the route's first rule matches the header exactly and goes to abblue-variant, which selects
     * abgreen's pods with traffic "variant"; the second rule goes to abblue, which still selects
     * abblue. Promoted: the split ends, the Service selects abgreen, abblue's pods are out.
     */
    @Test
    void anAbTestRoutesTheHeaderToTheStandbyWorkloadAndItsPromotionSwitchesTheService() {
        KubernetesWorkloadFixtures k8s = new KubernetesWorkloadFixtures();
        var blue = k8s.deployment("abblue", "web:1", 2);
        var green = k8s.deployment("abgreen", "web:1", 1);
        String service = k8s.service(blue);
        String app = k8s.application();
        String live = k8s.group(app, blue, service);
        String standby = k8s.group(app, green, service);
        String version = k8s.version(app, "2", "web:2");

        Response accepted = k8s.release(Map.of("groupId", live, "standbyGroupId", standby, "versionId", version, "strategy", "AB_TEST",
                "routeHeader", "X-Variant", "routeValue", "b"));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        String id = accepted.path("id");

        k8s.awaitState(id, "TESTING");
        HTTPRoute route = route(k8s, "abblue");
        assertThat(route.getSpec().getRules()).hasSize(2);
        var header = route.getSpec().getRules().get(0).getMatches().get(0).getHeaders().get(0);
        assertThat(List.of(header.getType(), header.getName(), header.getValue())).containsExactly("Exact", "X-Variant", "b");
        assertThat(backends(route.getSpec().getRules().get(0).getBackendRefs())).containsExactly("abblue-variant:80=1");
        assertThat(backends(route.getSpec().getRules().get(1).getBackendRefs())).containsExactly("abblue:80=1");
        assertThat(client().services().inNamespace(k8s.namespace).withName("abblue-variant").get().getSpec().getSelector())
                .isEqualTo(Map.of("skydeck.io/workload", "abgreen", "skydeck.io/workload-kind", "deployment", "skydeck.io/traffic", "variant"));
        assertThat(selector(k8s, "abblue")).containsEntry("skydeck.io/workload", "abblue");
        assertThat(image(k8s.pods("abgreen").get(0))).isEqualTo("web:2");
        assertThat(traffic(k8s.pods("abgreen").get(0))).isEqualTo("variant");
        assertThat(k8s.pods("abblue")).allSatisfy(p -> assertThat(traffic(p)).isEqualTo("in"));

        assertThat(k8s.act(id, "promote").statusCode()).isEqualTo(200);

        k8s.awaitState(id, "SWITCHED");
        assertThat(selector(k8s, "abblue")).isEqualTo(Map.of("skydeck.io/workload", "abgreen", "skydeck.io/workload-kind", "deployment",
                "skydeck.io/traffic", "in"));
        assertThat(route(k8s, "abblue").getSpec().getRules()).singleElement()
                .satisfies(r -> assertThat(backends(r.getBackendRefs())).containsExactly("abblue:80=1"));
        assertThat(client().services().inNamespace(k8s.namespace).withName("abblue-variant").get()).isNull();
        assertThat(traffic(k8s.pods("abgreen").get(0))).isEqualTo("in");
        assertThat(k8s.pods("abblue")).allSatisfy(p -> assertThat(traffic(p)).isEqualTo("out"));
    }

    private static HTTPRoute route(KubernetesWorkloadFixtures k8s, String name) {
        return client().resources(HTTPRoute.class).inNamespace(k8s.namespace).withName(name).get();
    }

    private static Map<String, String> selector(KubernetesWorkloadFixtures k8s, String service) {
        return client().services().inNamespace(k8s.namespace).withName(service).get().getSpec().getSelector();
    }

    private static List<String> backends(List<HTTPBackendRef> refs) {
        return refs.stream().map(b -> b.getName() + ":" + b.getPort() + "=" + b.getWeight()).toList();
    }
}
