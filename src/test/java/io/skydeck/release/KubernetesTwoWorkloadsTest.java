package io.skydeck.release;

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
 * BLUE_GREEN and DARK between two workload groups — Deployments blue (live) and green (standby)
 * in the tenant's namespace, both behind Service {@code blue}, which selects blue's pods — on
 * fabric8's mock API server in CRUD mode with the played kubelet ({@link KubernetesReleaseCluster},
 * no gateway). The switch is one patch of the Service's selector, from blue's workload labels to
 * green's; blue keeps web:1 out of traffic for a rollback until approved. An AB_TEST needs a gateway:
 * here it is a 422 naming the Service.
 */
@QuarkusTest
@TestProfile(KubernetesReleaseCluster.Profile.class)
class KubernetesTwoWorkloadsTest {

    /**
     * Two pods each. Green's pods are pulled out, get web:2 and are checked while the Service still
     * selects blue; then the Service selects green (and the traffic label), green's pods are in,
     * blue's out on web:1: SWITCHED. A rollback moves the Service back to blue and green out.
     */
    @Test
    void blueGreenSwitchesTheServiceToTheStandbyWorkloadAndARollbackSwitchesItBack() {
        KubernetesWorkloadFixtures k8s = new KubernetesWorkloadFixtures();
        var blue = k8s.deployment("bgblue", "web:1", 2);
        var green = k8s.deployment("bggreen", "web:1", 2);
        String service = k8s.service(blue);
        String app = k8s.application();
        String live = k8s.group(app, blue, service);
        String standby = k8s.group(app, green, service);
        String version = k8s.version(app, "2", "web:2");

        Response accepted = k8s.release(Map.of("groupId", live, "standbyGroupId", standby, "versionId", version, "strategy", "BLUE_GREEN"));

        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        assertThat(accepted.<List<String>>path("instances.instance"))
                .containsExactly(blue.podId(0), blue.podId(1), green.podId(0), green.podId(1));
        String id = accepted.path("id");
        Response switched = k8s.awaitState(id, "SWITCHED");
        assertThat(switched.<List<String>>path("instances.state")).containsExactly("STANDBY", "STANDBY", "DONE", "DONE");
        assertThat(selector(k8s, "bgblue")).isEqualTo(Map.of("skydeck.io/workload", "bggreen", "skydeck.io/workload-kind", "deployment",
                "skydeck.io/traffic", "in"));
        assertThat(k8s.pods("bggreen")).hasSize(2).allSatisfy(p -> {
            assertThat(image(p)).isEqualTo("web:2");
            assertThat(traffic(p)).isEqualTo("in");
        });
        assertThat(k8s.pods("bgblue")).hasSize(2).allSatisfy(p -> {
            assertThat(image(p)).as("kept for a rollback").isEqualTo("web:1");
            assertThat(traffic(p)).isEqualTo("out");
        });
        assertThat(k8s.templateImage(green)).isEqualTo("web:2");
        assertThat(k8s.templateImage(blue)).isEqualTo("web:1");

        assertThat(k8s.act(id, "rollback").statusCode()).isEqualTo(200);

        Response rolledBack = k8s.awaitState(id, "ROLLED_BACK");
        assertThat(rolledBack.<List<String>>path("instances.state")).containsExactly("REVERTED", "REVERTED", "STANDBY", "STANDBY");
        assertThat(selector(k8s, "bgblue")).isEqualTo(Map.of("skydeck.io/workload", "bgblue", "skydeck.io/workload-kind", "deployment",
                "skydeck.io/traffic", "in"));
        assertThat(k8s.pods("bgblue")).allSatisfy(p -> assertThat(traffic(p)).isEqualTo("in"));
        assertThat(k8s.pods("bggreen")).allSatisfy(p -> assertThat(traffic(p)).isEqualTo("out"));
    }

    /**
     * DARK: green gets web:2 and stays out of traffic — the Service selects blue — until a person
     * promotes it; then the Service selects green, and an approval ends the release.
     */
    @Test
    void darkDeploysTheStandbyWorkloadWithoutTrafficUntilPromoted() {
        KubernetesWorkloadFixtures k8s = new KubernetesWorkloadFixtures();
        var blue = k8s.deployment("dkblue", "web:1", 2);
        var green = k8s.deployment("dkgreen", "web:1", 1);
        String service = k8s.service(blue);
        String app = k8s.application();
        String live = k8s.group(app, blue, service);
        String standby = k8s.group(app, green, service);
        String version = k8s.version(app, "2", "web:2");

        Response accepted = k8s.release(Map.of("groupId", live, "standbyGroupId", standby, "versionId", version, "strategy", "DARK"));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        String id = accepted.path("id");

        Response dark = k8s.awaitState(id, "DEPLOYED_DARK");
        assertThat(dark.<List<String>>path("instances.state")).containsExactly("WAITING", "WAITING", "VERIFIED");
        assertThat(image(k8s.pods("dkgreen").get(0))).isEqualTo("web:2");
        assertThat(traffic(k8s.pods("dkgreen").get(0))).isEqualTo("out");
        assertThat(selector(k8s, "dkblue")).containsEntry("skydeck.io/workload", "dkblue");
        assertThat(k8s.pods("dkblue")).allSatisfy(p -> assertThat(traffic(p)).as("untouched").isEqualTo("in"));

        assertThat(k8s.act(id, "promote").statusCode()).isEqualTo(200);
        k8s.awaitState(id, "SWITCHED");
        assertThat(selector(k8s, "dkblue")).isEqualTo(Map.of("skydeck.io/workload", "dkgreen", "skydeck.io/workload-kind", "deployment",
                "skydeck.io/traffic", "in"));
        assertThat(traffic(k8s.pods("dkgreen").get(0))).isEqualTo("in");
        assertThat(k8s.pods("dkblue")).allSatisfy(p -> assertThat(traffic(p)).isEqualTo("out"));

        assertThat(k8s.act(id, "approve").statusCode()).isEqualTo(200);
        k8s.awaitState(id, "SUCCEEDED");
    }

    /**
     * Without a gateway a Service cannot route by header: an AB_TEST between two workload groups is
     * a 422 naming the Service, nothing is stored and no pod is touched.
     */
    @Test
    void anAbTestWithoutAGatewayIsRefusedWith422NamingTheService() {
        KubernetesWorkloadFixtures k8s = new KubernetesWorkloadFixtures();
        var blue = k8s.deployment("abnblue", "web:1", 1);
        var green = k8s.deployment("abngreen", "web:1", 1);
        String service = k8s.service(blue);
        String app = k8s.application();
        String live = k8s.group(app, blue, service);
        String standby = k8s.group(app, green, service);
        String version = k8s.version(app, "2", "web:2");

        Response refused = k8s.release(Map.of("groupId", live, "standbyGroupId", standby, "versionId", version, "strategy", "AB_TEST",
                "routeHeader", "X-Variant", "routeValue", "b"));

        assertThat(refused.statusCode()).as(refused.asString()).isEqualTo(422);
        assertThat(refused.<String>path("type")).isEqualTo("urn:skydeck:problem:target-cannot");
        assertThat(refused.<String>path("detail")).contains("traffic target " + service).contains("cannot route by header or cookie");
        assertThat(k8s.pods("abngreen")).allSatisfy(p -> {
            assertThat(image(p)).isEqualTo("web:1");
            assertThat(traffic(p)).isEqualTo("in");
        });
        // Nothing was stored: the same pair takes a BLUE_GREEN at once.
        Response bg = k8s.release(Map.of("groupId", live, "standbyGroupId", standby, "versionId", version, "strategy", "BLUE_GREEN"));
        assertThat(bg.statusCode()).as(bg.asString()).isEqualTo(202);
        k8s.awaitState(bg.path("id"), "SWITCHED");
    }

    /** A standby group behind another Service could never take this Service's traffic: 400 naming standbyGroupId. */
    @Test
    void aStandbyWorkloadBehindAnotherServiceIsRefused() {
        KubernetesWorkloadFixtures k8s = new KubernetesWorkloadFixtures();
        var blue = k8s.deployment("osblue", "web:1", 1);
        var green = k8s.deployment("osgreen", "web:1", 1);
        String app = k8s.application();
        String live = k8s.group(app, blue, k8s.service(blue));
        String standby = k8s.group(app, green, k8s.service(green));
        String version = k8s.version(app, "2", "web:2");

        Response refused = k8s.release(Map.of("groupId", live, "standbyGroupId", standby, "versionId", version, "strategy", "BLUE_GREEN"));

        assertThat(refused.statusCode()).as(refused.asString()).isEqualTo(400);
        assertThat(refused.<List<String>>path("errors.field")).containsExactly("standbyGroupId");
        assertThat(refused.<String>path("detail")).contains("both must be behind the same one");
    }

    private static Map<String, String> selector(KubernetesWorkloadFixtures k8s, String service) {
        return client().services().inNamespace(k8s.namespace).withName(service).get().getSpec().getSelector();
    }

}
