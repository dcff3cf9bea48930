package io.skydeck.replicas;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static io.skydeck.replicas.ServiceReplicas.connect;
import static io.skydeck.replicas.ServiceReplicas.send;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rolling release driven by a real service JVM that is killed with SIGKILL in the middle of a
 * batch — some instances of the batch done, others half-way through their two-second install —
 * then taken over by the other replica once the lease runs out, while the killed one is started
 * again. Checked from the database and from the shared sandbox, not from the service's answers
 * alone: the release SUCCEEDED, every instance runs the new version and is back in traffic, each
 * was started once (one UPDATING transition) and installed once (one install operation, one
 * token, in the cloud), and the instances running at the kill were finished by another driver.
 *
 * <p>Runs in {@code ./mvnw verify} after packaging (failsafe), on the database named by
 * {@code SKYDECK_TEST_DB_URL}, whose schema it resets first; bounded by its timeout.
 */
@EnabledIfEnvironmentVariable(named = "SKYDECK_TEST_DB_URL", matches = ".+")
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ReleaseKillNineIT {
    private static final Path WORK = Path.of("target/release-kill-nine");
    private static final int SERVERS = 16;
    /** Two batches of eight, four at a time: each batch runs in two waves, so a batch is half done at some point. */
    private static final int BATCH = 8;
    private static final int PARALLELISM = 4;
    private static final String ARTIFACT = "shop:v2";

    private static ServiceReplicas replicas;

    @BeforeAll
    static void startTwoReplicas() throws Exception {
        ServiceReplicas.resetSchema();
        Files.createDirectories(WORK);
        // The 40-server sandbox, with installs (and server builds) taking two seconds instead of none.
        String topology;
        try (var in = ReleaseKillNineIT.class.getResourceAsStream("/replicas/topology-40.json")) {
            topology = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\"create\": \"PT0S\"", "\"create\": \"PT2S\"");
        }
        assertThat(topology).contains("\"create\": \"PT2S\"");
        Path file = Files.writeString(WORK.resolve("topology-slow-installs.json"), topology);
        replicas = new ServiceReplicas(WORK, 2, List.of(
                "-Dskydeck.sandbox.topology-file=" + file.toAbsolutePath(),
                "-Dskydeck.placement.sync-interval=PT1S",
                // A dead driver's release waits three seconds for another replica, not fifteen.
                "-Dskydeck.release.lease-duration=PT3S",
                "-Dskydeck.release.scan-interval=PT0.5S",
                "-Dskydeck.release.poll-interval=PT0.2S"));
        // One after the other: two replicas starting at once on an empty schema race to store the same Quartz
        // job ("ObjectAlreadyExistsException: ... release-train-departures") and one of them fails to start.
        replicas.start(0, "-Dskydeck.release.replica-id=replica-1");
        replicas.awaitReady();
        replicas.start(1, "-Dskydeck.release.replica-id=replica-2");
        replicas.awaitReady();
    }

    @AfterAll
    static void stopReplicas() throws InterruptedException {
        if (replicas != null) {
            replicas.close();
        }
    }

    @Test
    void aDriverKilledMidBatchIsTakenOverAndEveryInstanceIsInstalledExactlyOnce() throws Exception {
        String url = replicas.url(0);
        String admin = replicas.token("--role", "admin");
        String tenantId = send(url, "POST", "/v1/tenants", admin, "tenant-kill-nine",
                "{\"name\":\"killnine\",\"displayName\":\"Kill nine\",\"quota\":{\"vcpu\":1000,\"memoryGib\":4000,"
                        + "\"servers\":100,\"workloads\":4,\"publicIps\":2,\"networks\":1}}").expect(201).get("id").asText();
        String bearer = replicas.token("--role", "tenant", "--tenant", tenantId);
        String projectId = send(url, "POST", "/v1/tenants/" + tenantId + "/projects", bearer, null, "{\"name\":\"shop\"}")
                .expect(201).get("id").asText();

        List<String> serverIds = new ArrayList<>();
        List<String> operations = new ArrayList<>();
        for (int i = 0; i < SERVERS; i++) {
            JsonNode accepted = send(replicas.url(i % 2), "POST", "/v1/servers", bearer, "kill-nine-web-" + i,
                    "{\"projectId\":\"" + projectId + "\",\"name\":\"web-" + i + "\",\"flavor\":\"m1.large\",\"image\":\"debian-12\"}")
                    .expect(202);
            serverIds.add(accepted.get("resource").get("id").asText());
            operations.add(accepted.get("operation").get("id").asText());
        }
        for (String operation : operations) {
            assertThat(ServiceReplicas.awaitOperation(url, bearer, operation, 120)).as("server build " + operation).isEqualTo("SUCCEEDED");
        }
        Map<String, String> providerIdOf = new HashMap<>();
        for (String id : serverIds) {
            providerIdOf.put(id, send(url, "GET", "/v1/servers/" + id, bearer, null, null).expect(200).get("providerServerId").asText());
        }

        String app = send(url, "POST", "/v1/applications", bearer, null, "{\"name\":\"shop\"}").expect(201).get("id").asText();
        String group = send(url, "POST", "/v1/applications/" + app + "/groups", bearer, null,
                "{\"name\":\"web\",\"trafficTarget\":\"lb-shop\",\"serverIds\":" + ServiceReplicas.JSON.writeValueAsString(serverIds) + "}")
                .expect(201).get("id").asText();
        String version = send(url, "POST", "/v1/applications/" + app + "/versions", bearer, null,
                "{\"name\":\"v2\",\"image\":\"" + ARTIFACT + "\"}").expect(201).get("id").asText();
        // A degrade switch the release holds on while it runs: held in PostgreSQL, so it must come back off after the takeover.
        String degrade = send(url, "POST", "/v1/degrade-switches", bearer, null,
                "{\"name\":\"pricing-cache\",\"dependency\":\"pricing\",\"description\":\"serve cached prices\"}").expect(201)
                .get("id").asText();
        String release = send(url, "POST", "/v1/releases", bearer, null, "{\"groupId\":\"" + group + "\",\"versionId\":\"" + version
                + "\",\"bastion\":false,\"batchSize\":" + BATCH + ",\"parallelism\":" + PARALLELISM
                + ",\"degradeSwitches\":[\"pricing-cache\"]}").expect(202).get("id").asText();

        // Wait for the middle of the second batch: some of it done, some of it installing.
        awaitMidBatch(release, 1, 90);
        String driver = leaseOwner(release);
        int killed = driver.equals("replica-1") ? 0 : 1;
        assertThat(driver).as("the lease's owner").isIn("replica-1", "replica-2");
        replicas.kill(killed);
        Instant killedAt = Instant.now();
        // What the dead driver left on record (read after the kill: it kept writing until the signal).
        Map<String, String[]> atKill = rows(release);
        String alive = replicas.url(1 - killed);
        assertThat(send(alive, "GET", "/v1/degrade-switches/" + degrade, bearer, null, null).expect(200).get("state").asText())
                .as("the degrade switch while the release runs").isEqualTo("ON");
        Set<String> runningAtKill = new HashSet<>();
        atKill.forEach((instance, row) -> {
            if (row[1] != null) {
                runningAtKill.add(instance);
            }
        });
        System.out.printf("ReleaseKillNineIT: killed %s (SIGKILL) with %s running and states %s%n", driver, runningAtKill,
                atKill.values().stream().map(r -> r[2] + ":" + r[0] + "/" + r[1]).toList());
        // A replacement of the killed replica starts (under a new name) while the other may take the lease over.
        replicas.start(killed, "-Dskydeck.release.replica-id=" + driver + "-restarted");

        JsonNode done = awaitReleaseState(bearer, release, "SUCCEEDED", 120);
        url = alive;
        System.out.printf("ReleaseKillNineIT: SUCCEEDED %.1f s after the kill%n",
                (Instant.now().toEpochMilli() - killedAt.toEpochMilli()) / 1000.0);

        // The database: every instance DONE, each started and finished exactly once, the group on the new version.
        for (JsonNode i : done.get("instances")) {
            assertThat(i.get("state").asText()).as("instance " + i.get("instance")).isEqualTo("DONE");
        }
        Map<String, Integer> started = new TreeMap<>();
        Map<String, Integer> finished = new TreeMap<>();
        Map<String, String> finishedBy = new HashMap<>();
        try (Connection c = connect(); ResultSet rows = c.createStatement().executeQuery(
                "SELECT instance, to_state, actor FROM release_event WHERE release_id = '" + release + "' AND instance IS NOT NULL")) {
            while (rows.next()) {
                if (rows.getString(2).equals("UPDATING")) {
                    started.merge(rows.getString(1), 1, Integer::sum);
                }
                if (rows.getString(2).equals("DONE")) {
                    finished.merge(rows.getString(1), 1, Integer::sum);
                    finishedBy.put(rows.getString(1), rows.getString(3));
                }
            }
        }
        assertThat(started).as("UPDATING transitions per instance").hasSize(SERVERS).allSatisfy((i, n) -> assertThat(n).isEqualTo(1));
        assertThat(finished).as("DONE transitions per instance").hasSize(SERVERS).allSatisfy((i, n) -> assertThat(n).isEqualTo(1));
        assertThat(runningAtKill).as("instances running at the kill").isNotEmpty();
        for (String instance : runningAtKill) {
            assertThat(finishedBy.get(instance)).as("who finished " + instance + ", running when " + driver + " died")
                    .isNotEqualTo("driver " + driver);
        }
        JsonNode groups = send(url, "GET", "/v1/applications/" + app + "/groups", bearer, null, null).expect(200).get("items");
        assertThat(groups.get(0).get("id").asText()).isEqualTo(group);
        assertThat(groups.get(0).get("currentVersionId").asText()).as("the group's current version").isEqualTo(version);
        JsonNode held = done.get("degradeSwitches").get(0);
        assertThat(held.get("hold").asText()).as("the release's hold on its switch").isEqualTo("RESTORED");
        JsonNode switchView = send(url, "GET", "/v1/degrade-switches/" + degrade, bearer, null, null).expect(200);
        assertThat(switchView.get("state").asText()).as("the switch after the release").isEqualTo("OFF");
        assertThat(switchView.get("heldBy")).isEmpty();
        try (Connection c = connect(); ResultSet lease = c.createStatement().executeQuery(
                "SELECT token FROM release_lease WHERE release_id = '" + release + "'")) {
            assertThat(lease.next()).isTrue();
            assertThat(lease.getLong(1)).as("claims of the lease: the first driver's and at least one takeover").isGreaterThanOrEqualTo(2);
        }

        // The cloud: every server runs the new version, got exactly one install of it (one token), and is in traffic.
        JsonNode cloud = ServiceReplicas.sandboxState();
        Map<String, List<String>> installTokens = new TreeMap<>();
        cloud.get("operations").fields().forEachRemaining(e -> {
            JsonNode op = e.getValue();
            if (op.get("kind").asText().equals("UPDATE") && ARTIFACT.equals(op.path("argument").asText(null))) {
                installTokens.computeIfAbsent(op.get("resource").get("id").asText(), k -> new ArrayList<>()).add(op.get("token").toString());
            }
        });
        for (String id : serverIds) {
            String providerId = providerIdOf.get(id);
            assertThat(cloud.get("servers").get(providerId).get("imageId").asText()).as("image of " + providerId).isEqualTo(ARTIFACT);
            assertThat(installTokens.get(providerId)).as("installs of " + ARTIFACT + " on " + providerId).hasSize(1);
        }
        JsonNode balancers = cloud.get("loadBalancers");
        Set<String> members = new HashSet<>();
        balancers.fields().forEachRemaining(e -> {
            if (e.getKey().contains("lb-shop")) {
                e.getValue().get("members").forEach(m -> members.add(m.asText()));
            }
        });
        assertThat(members).as("lb-shop's members").containsExactlyInAnyOrderElementsOf(providerIdOf.values());
    }

    /**
     * Polls the release's instances until, in batch {@code batch}, at least one is DONE and at
     * least one is running its install; the rows (state, step) of that batch's instances then.
     */
    private static Map<String, String[]> awaitMidBatch(String release, int batch, int seconds) throws Exception {
        Instant deadline = Instant.now().plusSeconds(seconds);
        while (Instant.now().isBefore(deadline)) {
            Map<String, String[]> rows = new TreeMap<>();
            rows(release).forEach((instance, row) -> {
                if (Integer.parseInt(row[2]) == batch) {
                    rows.put(instance, row);
                }
            });
            boolean someDone = rows.values().stream().anyMatch(r -> r[0].equals("DONE"));
            boolean someInstalling = rows.values().stream().anyMatch(r -> "INSTALL".equals(r[1]));
            if (someDone && someInstalling) {
                return rows;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("batch " + batch + " of release " + release + " was never half done within " + seconds + " s");
    }

    /** Every instance of the release as stored: state, running step (null when none), batch. */
    private static Map<String, String[]> rows(String release) throws Exception {
        Map<String, String[]> rows = new TreeMap<>();
        try (Connection c = connect(); ResultSet r = c.createStatement().executeQuery(
                "SELECT instance, state, step, batch FROM release_instance WHERE release_id = '" + release + "'")) {
            while (r.next()) {
                rows.put(r.getString(1), new String[] {r.getString(2), r.getString(3), String.valueOf(r.getInt(4))});
            }
        }
        return rows;
    }

    private static String leaseOwner(String release) throws Exception {
        try (Connection c = connect(); ResultSet r = c.createStatement().executeQuery(
                "SELECT owner FROM release_lease WHERE release_id = '" + release + "'")) {
            assertThat(r.next()).isTrue();
            return r.getString(1);
        }
    }

    private static JsonNode awaitReleaseState(String bearer, String release, String state, int seconds) throws Exception {
        Instant deadline = Instant.now().plusSeconds(seconds);
        JsonNode last = null;
        while (Instant.now().isBefore(deadline)) {
            // Whichever replica is up answers: the killed one may still be starting.
            for (int i = 0; i < 2; i++) {
                try {
                    last = send(replicas.url(i), "GET", "/v1/releases/" + release, bearer, null, null).expect(200);
                    break;
                } catch (java.io.IOException down) {
                    // that replica is not listening (yet)
                }
            }
            if (last != null && last.get("state").asText().equals(state)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("release " + release + " is not " + state + " within " + seconds + " s: " + last);
    }
}
