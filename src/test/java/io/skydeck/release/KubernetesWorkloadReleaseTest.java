package io.skydeck.release;

import io.fabric8.kubernetes.api.model.Pod;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static io.skydeck.release.KubernetesWorkloadFixtures.image;
import static io.skydeck.release.KubernetesWorkloadFixtures.traffic;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Releases of a Kubernetes workload group through the API, against fabric8's mock API server in
 * CRUD mode ({@link KubernetesReleaseCluster}): the instances are the Deployment's pods, the
 * install sets a pod's image in place, pull-out and pull-in move its {@code skydeck.io/traffic}
 * label in and out of the Service's selector. The mock runs no kubelet: the cluster fixture plays
 * it, reporting a pod Ready on its new image — or crash-looping where a test says the image is bad.
 */
@QuarkusTest
@TestProfile(KubernetesReleaseCluster.Profile.class)
class KubernetesWorkloadReleaseTest {

    /**
     * Four pods, bastion first, then batches of two: the bastion smokes on web:2 out of the
     * Service, bakes, is pulled in; the roll takes the other three. Every pod ends on web:2 and in
     * traffic, the Deployment's template follows (with a bounded rolling update), and the
     * workload's record shows web:2.
     */
    @Test
    void aWorkloadGroupIsSmokedBakedAndRolledUntilEveryPodAndTheTemplateRunTheNewImage() {
        KubernetesWorkloadFixtures k8s = new KubernetesWorkloadFixtures();
        var web = k8s.deployment("web", "web:1", 4);
        String service = k8s.service(web);
        String app = k8s.application();
        String group = k8s.group(app, web, service);
        String version = k8s.version(app, "2", "web:2");

        Response accepted = k8s.release(Map.of("groupId", group, "versionId", version, "batchSize", 2, "brakeRatio", 0.5));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        assertThat(accepted.<List<String>>path("instances.instance")).containsExactly(
                web.podId(0), web.podId(1), web.podId(2), web.podId(3));
        assertThat(accepted.<List<String>>path("instances.providerInstanceId")).containsExactly(
                web.podId(0), web.podId(1), web.podId(2), web.podId(3));
        assertThat(accepted.<List<Integer>>path("instances.batch")).containsExactly(0, 1, 1, 2);
        String id = accepted.path("id");

        Response baking = k8s.awaitState(id, "BAKING");
        assertThat(baking.<List<String>>path("instances.state")).containsExactly("VERIFIED", "WAITING", "WAITING", "WAITING");
        Pod bastion = k8s.pod(web.pods().get(0));
        assertThat(image(bastion)).isEqualTo("web:2");
        assertThat(traffic(bastion)).as("the bastion bakes out of the Service").isEqualTo("out");
        assertThat(k8s.pods("web").subList(1, 4)).allSatisfy(p -> assertThat(image(p)).isEqualTo("web:1"));
        assertThat(KubernetesReleaseCluster.client().services().inNamespace(k8s.namespace).withName("web").get().getSpec().getSelector())
                .as("the Service was adopted: it selects the traffic label").containsEntry("skydeck.io/traffic", "in");
        assertThat(k8s.templateImage(web)).isEqualTo("web:1");

        assertThat(k8s.act(id, "pull-in-bastion").statusCode()).isEqualTo(200);
        k8s.await(id, r -> "DONE".equals(r.path("instances[0].state")) && r.path("instances[0].step") == null, "the bastion DONE");
        assertThat(traffic(k8s.pod(web.pods().get(0)))).isEqualTo("in");
        assertThat(k8s.act(id, "approve").statusCode()).isEqualTo(200);

        Response done = k8s.awaitState(id, "SUCCEEDED");
        assertThat(done.<List<String>>path("instances.state")).containsOnly("DONE");
        assertThat(done.<Integer>path("inTraffic")).isEqualTo(4);
        assertThat(k8s.pods("web")).hasSize(4).allSatisfy(p -> {
            assertThat(image(p)).isEqualTo("web:2");
            assertThat(traffic(p)).isEqualTo("in");
        });
        var deployment = k8s.deployment(web);
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("web:2");
        assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
        assertThat(k8s.workloadRecord(web).<String>path("image")).isEqualTo("web:2");

        Response noRollback = k8s.act(id, "rollback");
        assertThat(noRollback.statusCode()).as("the Deployment's controller replaces the released pods").isEqualTo(409);
        assertThat(noRollback.<String>path("detail")).contains("release the previous version");
    }

    /**
     * Ten pods, web:bad crash-loops on three of them (01, 04, 07), brake at 20 %, batches of three,
     * no bastion: the third failure comes in batch 2 (pods 06–08) and brakes the release there;
     * pod 09 of batch 3 never starts — it keeps web:1 and was never patched. The rollback then
     * puts web:1 back on every pod the release touched and into traffic; the template and the
     * workload's record never left web:1.
     */
    @Test
    void aBadImageOnThirtyPercentOfPodsBrakesInTheCrossingBatchAndTheRollbackRestoresTheImage() {
        KubernetesWorkloadFixtures k8s = new KubernetesWorkloadFixtures();
        var web = k8s.deployment("shop", "web:1", 10);
        String service = k8s.service(web);
        String app = k8s.application();
        String group = k8s.group(app, web, service);
        String version = k8s.version(app, "bad", "web:bad");
        KubernetesReleaseCluster.crashes("web:bad", Set.of(web.podId(1), web.podId(4), web.podId(7)));

        Response accepted = k8s.release(Map.of("groupId", group, "versionId", version, "bastion", false, "batchSize", 3,
                "parallelism", 3, "brakeRatio", 0.2));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        String id = accepted.path("id");

        Response braked = k8s.awaitState(id, "BRAKED");
        assertThat(braked.<Integer>path("failed")).isEqualTo(3);
        List<String> states = braked.path("instances.state");
        assertThat(braked.<List<Integer>>path("instances.batch")).containsExactly(0, 0, 0, 1, 1, 1, 2, 2, 2, 3);
        for (int i : List.of(1, 4, 7)) {
            assertThat(states.get(i)).as("pod " + i).isEqualTo("FAILED");
            assertThat(braked.<String>path("instances[" + i + "].failure")).contains("CrashLoopBackOff");
            assertThat(traffic(k8s.pod(web.pods().get(i)))).as("a failed pod stays out of the Service").isEqualTo("out");
        }
        assertThat(states.get(9)).as("batch 3 after the brake in batch 2").isEqualTo("WAITING");
        Pod untouched = k8s.pod(web.pods().get(9));
        assertThat(image(untouched)).isEqualTo("web:1");
        assertThat(untouched.getMetadata().getAnnotations()).as("never installed on").doesNotContainKey("skydeck.io/install-token");
        List<Map<String, Object>> events = k8s.events(id);
        long brakeSeq = events.stream().filter(e -> "BRAKED".equals(e.get("to"))).mapToLong(e -> ((Number) e.get("seq")).longValue())
                .findFirst().orElseThrow();
        assertThat(events).noneMatch(e -> "UPDATING".equals(e.get("to")) && ((Number) e.get("seq")).longValue() > brakeSeq);
        assertThat(k8s.templateImage(web)).as("a version that failed on a pod never reaches the template").isEqualTo("web:1");

        assertThat(k8s.act(id, "rollback").statusCode()).isEqualTo(200);
        Response rolledBack = k8s.awaitState(id, "ROLLED_BACK");
        List<String> after = rolledBack.path("instances.state");
        IntStream.range(0, 9).forEach(i -> assertThat(after.get(i)).as("pod " + i + ": " + rolledBack.path("instances[" + i + "].failure"))
                .isEqualTo("REVERTED"));
        assertThat(after.get(9)).isEqualTo("WAITING");
        assertThat(k8s.pods("shop")).hasSize(10).allSatisfy(p -> {
            assertThat(image(p)).as(p.getMetadata().getName()).isEqualTo("web:1");
            assertThat(traffic(p)).as(p.getMetadata().getName()).isEqualTo("in");
        });
        assertThat(k8s.templateImage(web)).isEqualTo("web:1");
        assertThat(k8s.workloadRecord(web).<String>path("image")).isEqualTo("web:1");
    }

    /**
     * The choice for pods replaced during a release: the release keeps the pods it read. A pod its
     * controller replaced while the bastion baked is a failed instance saying it is gone; its
     * replacement (web:1, from the template) is not released, so the template and the workload's
     * record stay on web:1 although the release, under its brake ratio, succeeds.
     */
    @Test
    void aPodReplacedByItsControllerDuringTheReleaseFailsSayingItIsGoneAndItsReplacementKeepsTheTemplate() {
        KubernetesWorkloadFixtures k8s = new KubernetesWorkloadFixtures();
        var web = k8s.deployment("api", "api:1", 3);
        String service = k8s.service(web);
        String app = k8s.application();
        String group = k8s.group(app, web, service);
        String version = k8s.version(app, "2", "api:2");
        String id = k8s.release(Map.of("groupId", group, "versionId", version, "brakeRatio", 0.5)).then().statusCode(202)
                .extract().path("id");
        k8s.awaitState(id, "BAKING");

        k8s.replacePod(web, web.pods().get(1), "api-zz");
        k8s.act(id, "pull-in-bastion").then().statusCode(200);
        k8s.await(id, r -> "DONE".equals(r.path("instances[0].state")) && r.path("instances[0].step") == null, "the bastion DONE");
        k8s.act(id, "approve").then().statusCode(200);

        Response done = k8s.awaitState(id, "SUCCEEDED");
        assertThat(done.<List<String>>path("instances.state")).containsExactly("DONE", "FAILED", "DONE");
        assertThat(done.<String>path("instances[1].failure")).contains("pod " + web.podId(1) + " is gone")
                .contains("replaced by its controller");
        assertThat(image(k8s.pod("api-zz"))).isEqualTo("api:1");
        assertThat(k8s.templateImage(web)).isEqualTo("api:1");
        assertThat(k8s.workloadRecord(web).<String>path("image")).isEqualTo("api:1");
    }

    @Test
    void aWorkloadGroupRefusesAVersionWithoutAnImageNamingTheVersion() {
        KubernetesWorkloadFixtures k8s = new KubernetesWorkloadFixtures();
        var web = k8s.deployment("pkg", "pkg:1", 1);
        String app = k8s.application();
        String group = k8s.group(app, web, k8s.service(web));
        String packageOnly = io.skydeck.support.Api.as(k8s.token).body(Map.of("name", "tgz", "packageUrl", "https://packages.example/a.tgz",
                "sha256", ReleaseFixtures.sha("tgz"))).post("/v1/applications/" + app + "/versions").then().statusCode(201).extract().path("id");

        Response refused = k8s.release(Map.of("groupId", group, "versionId", packageOnly));

        assertThat(refused.statusCode()).as(refused.asString()).isEqualTo(400);
        assertThat(refused.<List<String>>path("errors.field")).containsExactly("versionId");
        assertThat(refused.<String>path("detail")).contains("no image");
        assertThat(image(k8s.pods("pkg").get(0))).isEqualTo("pkg:1");
    }
}
