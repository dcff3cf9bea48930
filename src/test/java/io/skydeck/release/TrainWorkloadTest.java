package io.skydeck.release;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.skydeck.release.KubernetesWorkloadFixtures.image;
import static io.skydeck.release.KubernetesWorkloadFixtures.traffic;
import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Train tickets for Kubernetes workload groups, over HTTP against fabric8's mock API server
 * ({@link KubernetesReleaseCluster}): the departure reads the workload's pods from the cluster
 * before it starts the release, as {@code POST /v1/releases} does, and the release runs over them.
 */
@QuarkusTest
@TestProfile(KubernetesReleaseCluster.Profile.class)
class TrainWorkloadTest {

    private static final String HOURLY = "0 0 * * * ?";

    @Inject
    TrainDepartures departures;

    /** Two pods on web:1, a ticket for web:2 in batches of one: the carriage arrives RELEASED, every pod and the template on web:2. */
    @Test
    void aWorkloadGroupTicketDepartsAndReleasesItsPods() {
        KubernetesWorkloadFixtures k8s = new KubernetesWorkloadFixtures();
        var web = k8s.deployment("web", "web:1", 2);
        String app = k8s.application();
        String group = k8s.group(app, web, k8s.service(web));
        String version = k8s.version(app, "2", "web:2");
        String line = line(k8s, Map.of("pool", uniqueName("pods"), "provider", KubernetesReleaseCluster.PROVIDER, "cron", HOURLY));

        Response ticket = as(k8s.token).body(Map.of("groupId", group, "versionId", version, "release", Map.of("bastion", false,
                "batchSize", 1))).post("/v1/trains/" + line + "/tickets").then().extract().response();
        assertThat(ticket.statusCode()).as(ticket.asString()).isEqualTo(201);
        departures.run(Instant.parse(ticket.path("departure.departsAt")));

        Response carriage = awaitCarriage(k8s, line, 1, "RELEASED");
        assertThat(carriage.<List<String>>path("tickets.state")).containsExactly("RELEASED");
        Response release = as(k8s.token).get("/v1/releases/" + carriage.path("tickets[0].releaseId")).then().statusCode(200)
                .extract().response();
        assertThat(release.<List<String>>path("instances.instance")).containsExactly(web.podId(0), web.podId(1));
        assertThat(release.<List<String>>path("instances.state")).containsExactly("DONE", "DONE");
        assertThat(k8s.pods("web")).hasSize(2).allSatisfy(p -> {
            assertThat(image(p)).isEqualTo("web:2");
            assertThat(traffic(p)).isEqualTo("in");
        });
        assertThat(k8s.templateImage(web)).isEqualTo("web:2");
    }

    /** An express of a workload group answers 202 at once; its release starts right after, once the pods are read. */
    @Test
    void aWorkloadGroupTakesAnExpressAndItsReleaseStartsAfterTheAnswer() {
        KubernetesWorkloadFixtures k8s = new KubernetesWorkloadFixtures();
        var api = k8s.deployment("api", "api:1", 2);
        String app = k8s.application();
        String group = k8s.group(app, api, k8s.service(api));
        String version = k8s.version(app, "2", "api:2");
        String line = line(k8s, Map.of("pool", uniqueName("pods"), "cron", HOURLY, "expressAllowed", true));

        Response express = as(k8s.token).body(Map.of("groupId", group, "versionId", version, "express", true, "release",
                Map.of("strategy", "RECREATE"))).post("/v1/trains/" + line + "/tickets").then().extract().response();
        assertThat(express.statusCode()).as(express.asString()).isEqualTo(202);
        assertThat(express.<String>path("state")).isEqualTo("BOARDED");
        Response ticket = as(k8s.token).get("/v1/trains/" + line + "/tickets/" + express.path("id")).then().statusCode(200)
                .extract().response();
        assertThat(ticket.<String>path("releaseId")).as(ticket.asString()).isNotNull();
        assertThat(ticket.<List<String>>path("history.what")).containsExactly("BOOKED", "EXPRESS", "STARTED");

        awaitCarriage(k8s, line, 1, "RELEASED");
        assertThat(k8s.pods("api")).hasSize(2).allSatisfy(p -> assertThat(image(p)).isEqualTo("api:2"));
    }

    @Test
    void aWorkloadVersionWithoutAnImageIsRefusedAtBooking() {
        KubernetesWorkloadFixtures k8s = new KubernetesWorkloadFixtures();
        var jobs = k8s.deployment("jobs", "jobs:1", 1);
        String app = k8s.application();
        String group = k8s.group(app, jobs, k8s.service(jobs));
        String version = as(k8s.token).body(Map.of("name", "pkg", "packageUrl", "https://packages.example/jobs.tar.gz",
                        "sha256", ReleaseFixtures.sha("pkg"))).post("/v1/applications/" + app + "/versions")
                .then().statusCode(201).extract().path("id");
        String line = line(k8s, Map.of("pool", uniqueName("pods"), "cron", HOURLY));
        Response refused = as(k8s.token).body(Map.of("groupId", group, "versionId", version)).post("/v1/trains/" + line + "/tickets")
                .then().extract().response();
        assertThat(refused.statusCode()).as(refused.asString()).isEqualTo(400);
        assertThat(refused.<List<String>>path("errors.field")).containsExactly("versionId");
    }

    private static String line(KubernetesWorkloadFixtures k8s, Map<String, Object> body) {
        Response r = as(k8s.token).body(body).post("/v1/trains").then().extract().response();
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(201);
        return r.path("id");
    }

    private Response awaitCarriage(KubernetesWorkloadFixtures k8s, String line, int number, String state) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            departures.follow();
            Response r = as(k8s.token).get("/v1/trains/" + line + "/departures/" + number).then().statusCode(200).extract().response();
            if (state.equals(r.path("state"))) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("carriage " + number + " did not reach " + state + " in 60 s: " + r.asString());
            }
            ReleaseFixtures.sleep(100);
        }
    }
}
