package io.skydeck.release;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.skydeck.release.KubernetesWorkloadFixtures.image;
import static io.skydeck.release.KubernetesWorkloadFixtures.traffic;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The strategies other than ROLLING on a Kubernetes workload group, against fabric8's mock API
 * server in CRUD mode with the played kubelet ({@link KubernetesReleaseCluster}, same profile as
 * {@link KubernetesWorkloadReleaseTest}, so the same service). A workload takes RECREATE and a
 * CANARY by instances; a Service on a cluster without a gateway cannot weigh traffic, so a CANARY by
 * weight is refused there (422 naming the traffic target). The two-group strategies are in
 * {@link KubernetesTwoWorkloadsTest}, weights and header routes through a gateway in
 * {@link KubernetesGatewayStrategiesTest}.
 */
@QuarkusTest
@TestProfile(KubernetesReleaseCluster.Profile.class)
class KubernetesStrategiesTest {

    /**
     * Four pods, RECREATE: one batch, no bastion, all four started at once (parallelism defaults to
     * the group). Every pod ends on web:2 and back in the Service, and the Deployment's template and
     * the workload's record follow.
     */
    @Test
    void recreateTakesEveryPodInOneBatchAndTheTemplateFollows() {
        KubernetesWorkloadFixtures k8s = new KubernetesWorkloadFixtures();
        var web = k8s.deployment("re", "web:1", 4);
        String app = k8s.application();
        String group = k8s.group(app, web, k8s.service(web));
        String version = k8s.version(app, "2", "web:2");

        Response accepted = k8s.release(Map.of("groupId", group, "versionId", version, "strategy", "RECREATE"));

        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        assertThat(accepted.<String>path("strategy")).isEqualTo("RECREATE");
        assertThat(accepted.<Boolean>path("bastion")).isFalse();
        assertThat(accepted.<Integer>path("batchSize")).isEqualTo(4);
        assertThat(accepted.<List<Integer>>path("instances.batch")).containsExactly(0, 0, 0, 0);
        assertThat(accepted.<List<String>>path("instances.state")).as("all four start at once").containsOnly("UPDATING");
        String id = accepted.path("id");

        Response done = k8s.awaitState(id, "SUCCEEDED");
        assertThat(done.<List<String>>path("instances.state")).containsExactly("DONE", "DONE", "DONE", "DONE");
        assertThat(done.<Integer>path("inTraffic")).isEqualTo(4);
        assertThat(k8s.pods("re")).hasSize(4).allSatisfy(p -> {
            assertThat(image(p)).as(p.getMetadata().getName()).isEqualTo("web:2");
            assertThat(traffic(p)).as(p.getMetadata().getName()).isEqualTo("in");
        });
        assertThat(k8s.templateImage(web)).isEqualTo("web:2");
        assertThat(k8s.workloadRecord(web).<String>path("image")).isEqualTo("web:2");
        // No pod was finished before every pod had started: one batch, not a roll.
        List<Map<String, Object>> events = k8s.events(id);
        long lastStart = events.stream().filter(e -> e.get("instance") != null && "WAITING".equals(e.get("from")))
                .mapToLong(KubernetesStrategiesTest::seq).max().orElseThrow();
        long firstDone = events.stream().filter(e -> e.get("instance") != null && "DONE".equals(e.get("to")))
                .mapToLong(KubernetesStrategiesTest::seq).min().orElseThrow();
        assertThat(lastStart).isLessThan(firstDone);
    }

    /**
     * Four pods, a CANARY by instances: 1, then 2, then the rest, each step with no pause and no
     * analysis (the sandbox's simulated traffic is not on a cluster). Batches 0 (pod 00), 1 (pod
     * 01), 2 (pods 02–03); each batch is done before the next one's first pod leaves WAITING. The
     * release succeeds on its own, every pod on web:2, the template with it.
     */
    @Test
    void aCanaryByInstancesStepsThroughItsCountsInOrderAndSucceeds() {
        KubernetesWorkloadFixtures k8s = new KubernetesWorkloadFixtures();
        var web = k8s.deployment("can", "web:1", 4);
        String app = k8s.application();
        String group = k8s.group(app, web, k8s.service(web));
        String version = k8s.version(app, "2", "web:2");

        Response accepted = k8s.release(Map.of("groupId", group, "versionId", version, "strategy", "CANARY",
                "canary", Map.of("steps", List.of(Map.of("instances", 1, "pause", "PT0S"), Map.of("instances", 2, "pause", "PT0S")))));

        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        assertThat(accepted.<String>path("canary.mode")).isEqualTo("COUNT");
        assertThat(accepted.<Boolean>path("bastion")).isFalse();
        assertThat(accepted.<List<Integer>>path("instances.batch")).containsExactly(0, 1, 2, 2);
        String id = accepted.path("id");

        Response done = k8s.awaitState(id, "SUCCEEDED");
        assertThat(done.<List<String>>path("instances.state")).containsExactly("DONE", "DONE", "DONE", "DONE");
        assertThat(done.<Object>path("analysis")).isNull();
        assertThat(k8s.pods("can")).hasSize(4).allSatisfy(p -> {
            assertThat(image(p)).as(p.getMetadata().getName()).isEqualTo("web:2");
            assertThat(traffic(p)).as(p.getMetadata().getName()).isEqualTo("in");
        });
        assertThat(k8s.templateImage(web)).isEqualTo("web:2");
        assertThat(k8s.workloadRecord(web).<String>path("image")).isEqualTo("web:2");

        List<Map<String, Object>> events = k8s.events(id);
        // The release held at each step's gate (its pause of 0 s), after batch 0 and after batch 1, and not after the last.
        assertThat(events).filteredOn(e -> e.get("instance") == null && "HOLDING".equals(e.get("to"))).extracting(e -> e.get("reason"))
                .containsExactly("batch 0 settled; waiting for its gate", "batch 1 settled; waiting for its gate");
        // The canary pod first: pod 00 is done before pod 01 starts; pod 01 is done before 02 or 03 starts.
        assertThat(done(events, web.podId(0))).isLessThan(started(events, web.podId(1)));
        assertThat(done(events, web.podId(1))).isLessThan(started(events, web.podId(2)))
                .isLessThan(started(events, web.podId(3)));
    }

    /**
     * A Service selects pods; it cannot split traffic by weight. A CANARY by weight on a workload
     * group is a 422 naming the group's traffic target (the Service) and saying to step by
     * instances; nothing is stored and no pod is touched.
     */
    @Test
    void aCanaryByWeightOnAWorkloadIsRefusedWith422NamingTheService() {
        KubernetesWorkloadFixtures k8s = new KubernetesWorkloadFixtures();
        var web = k8s.deployment("wt", "web:1", 3);
        String service = k8s.service(web);
        String app = k8s.application();
        String group = k8s.group(app, web, service);
        String version = k8s.version(app, "2", "web:2");

        Response refused = k8s.release(Map.of("groupId", group, "versionId", version, "strategy", "CANARY",
                "canary", Map.of("steps", List.of(Map.of("weight", 10), Map.of("weight", 50)))));

        assertThat(refused.statusCode()).as(refused.asString()).isEqualTo(422);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.<String>path("type")).isEqualTo("urn:skydeck:problem:target-cannot");
        assertThat(refused.<String>path("detail")).contains("traffic target " + service)
                .contains("on provider " + KubernetesReleaseCluster.PROVIDER).contains("cannot weigh traffic")
                .contains("by instances instead");
        assertThat(k8s.pods("wt")).hasSize(3).allSatisfy(p -> {
            assertThat(image(p)).isEqualTo("web:1");
            assertThat(traffic(p)).as("never pulled out").isNotEqualTo("out");
        });
        // Nothing was stored: the same group takes a canary by instances at once (an unfinished release would be a 409).
        Response byCount = k8s.release(Map.of("groupId", group, "versionId", version, "strategy", "CANARY",
                "canary", Map.of("steps", List.of(Map.of("instances", 1)))));
        assertThat(byCount.statusCode()).as(byCount.asString()).isEqualTo(202);
        k8s.awaitState(byCount.path("id"), "SUCCEEDED");
    }

    private static long seq(Map<String, Object> event) {
        return ((Number) event.get("seq")).longValue();
    }

    /** The seq of the pod's first transition out of WAITING. */
    private static long started(List<Map<String, Object>> events, String pod) {
        return events.stream().filter(e -> pod.equals(e.get("instance")) && "WAITING".equals(e.get("from")))
                .mapToLong(KubernetesStrategiesTest::seq).min().orElseThrow(() -> new AssertionError(pod + " never started"));
    }

    /** The seq of the pod's transition to DONE. */
    private static long done(List<Map<String, Object>> events, String pod) {
        return events.stream().filter(e -> pod.equals(e.get("instance")) && "DONE".equals(e.get("to")))
                .mapToLong(KubernetesStrategiesTest::seq).min().orElseThrow(() -> new AssertionError(pod + " never DONE"));
    }
}
