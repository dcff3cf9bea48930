package io.skydeck.release;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Release trains over HTTP against the database, on the sandbox's servers with
 * {@link ReleaseTestCloud}'s load balancer and installs. Lines depart hourly; a test departs a
 * train by calling the departure pass with the departure's time (the scheduled job is off in
 * tests), and follows the carriage by calling the follow pass while it polls the API.
 */
@QuarkusTest
class TrainApiTest {

    private static final String HOURLY = "0 0 * * * ?";
    private static ReleaseFixtures fixtures;

    @Inject
    ProviderRegistry providers;

    @Inject
    TrainDepartures departures;

    ReleaseTestCloud cloud;
    CloudProvider sandbox;

    @BeforeEach
    void sixServersAndTheTestCloud() {
        if (fixtures == null) {
            fixtures = new ReleaseFixtures(6);
        }
        sandbox = providers.get("sandbox");
        cloud = new ReleaseTestCloud(sandbox, true);
        providers.replace(cloud);
    }

    @AfterEach
    void putTheSandboxBack() {
        providers.replace(sandbox);
    }

    @Test
    void aDepartureCarriesTwoAppsAndArrivesWhenBothReleased() {
        String line = line(Map.of("cron", HOURLY));
        App shop = app(0, "v2");
        App cart = app(1, "v2");
        Response first = book(line, ticket(shop));
        assertThat(first.statusCode()).as(first.asString()).isEqualTo(201);
        assertThat(first.<String>path("state")).isEqualTo("BOOKED");
        assertThat(first.<Integer>path("departure.number")).isNull();
        Instant departure = Instant.parse(first.path("departure.departsAt"));
        assertThat(departure).isAfter(Instant.now()).isBefore(Instant.now().plusSeconds(3601));
        assertThat(departure.getEpochSecond() % 3600).isZero();
        assertThat(first.header("Location")).endsWith("/v1/trains/" + line + "/tickets/" + first.path("id"));
        Response second = book(line, ticket(cart));
        assertThat(second.<String>path("departure.departsAt")).isEqualTo(first.path("departure.departsAt"));

        Response upcoming = as(fixtures.token).get("/v1/trains/" + line + "/departures").then().statusCode(200).extract().response();
        assertThat(upcoming.<List<String>>path("items.state")).containsExactly("SCHEDULED");
        assertThat(upcoming.<List<String>>path("items[0].tickets.ticketId")).containsExactly(first.path("id"), second.path("id"));

        departures.run(departure.minusSeconds(1));
        as(fixtures.token).get("/v1/trains/" + line + "/departures/1").then().statusCode(404);
        departures.run(departure);
        Response left = as(fixtures.token).get("/v1/trains/" + line + "/departures/1").then().statusCode(200).extract().response();
        assertThat(left.<String>path("departsAt")).isEqualTo(first.path("departure.departsAt"));
        assertThat(left.<List<String>>path("tickets.state")).containsOnly("BOARDED");
        assertThat(left.<List<String>>path("tickets.releaseId")).doesNotContainNull();

        Response arrived = awaitCarriage(line, 1, "RELEASED");
        assertThat(arrived.<List<String>>path("tickets.state")).containsExactly("RELEASED", "RELEASED");
        assertThat(arrived.<List<String>>path("tickets.releaseState")).containsExactly("SUCCEEDED", "SUCCEEDED");
        assertThat(arrived.<String>path("finishedAt")).isNotNull();
        assertThat(cloud.installsOf(fixtures.providerIds.get(0))).containsExactly("shop:v2 sha256=" + ReleaseFixtures.sha("v2"));
        assertThat(cloud.installsOf(fixtures.providerIds.get(1))).hasSize(1);
        Response ticket = as(fixtures.token).get("/v1/trains/" + line + "/tickets/" + first.path("id")).then().statusCode(200)
                .extract().response();
        assertThat(ticket.<List<String>>path("history.what")).containsExactly("BOOKED", "BOARDED", "STARTED", "RELEASED");
        assertThat(ticket.<Integer>path("departure.number")).isEqualTo(1);
        // The departure happened once: a second pass at the same time departs nothing.
        departures.run(departure);
        as(fixtures.token).get("/v1/trains/" + line + "/departures/2").then().statusCode(404);
        List<String> actions = as(Tokens.admin()).queryParam("tenantId", fixtures.tenant.toString()).queryParam("limit", 500)
                .get("/v1/audit").then().statusCode(200).extract().path("items.action");
        assertThat(actions).contains("train.line.created", "train.ticket.booked", "train.departed", "train.carriage.arrived");
        // The train started the release, not "anonymous": its first events and its audit entry say so.
        String release = left.path("tickets[0].releaseId");
        assertThat(fixtures.events(release).get(0).get("actor")).isEqualTo("train");
        List<String> starters = as(Tokens.admin()).queryParam("targetId", release).queryParam("action", "release.created")
                .get("/v1/audit").then().statusCode(200).extract().path("items.actor");
        assertThat(starters).containsExactly("train");
    }

    @Test
    void anAppReadyEarlyTakesAnExpressWhenTheLineAllowsOne() {
        String closed = line(Map.of("cron", HOURLY));
        App shop = app(2, "v2");
        Response booked = book(closed, ticket(shop));
        as(fixtures.token).post("/v1/trains/" + closed + "/tickets/" + booked.path("id") + "/express").then().statusCode(409)
                .contentType("application/problem+json").body("detail", containsString("takes no express departures"))
                .body("detail", containsString("the next train leaves at " + booked.path("departure.departsAt")));
        as(fixtures.token).delete("/v1/trains/" + closed + "/tickets/" + booked.path("id")).then().statusCode(200);

        String open = line(Map.of("cron", HOURLY, "expressAllowed", true));
        Response ticket = book(open, ticket(shop));
        Response express = as(fixtures.token).post("/v1/trains/" + open + "/tickets/" + ticket.path("id") + "/express")
                .then().statusCode(202).extract().response();
        assertThat(express.<String>path("state")).isEqualTo("BOARDED");
        assertThat(express.<Boolean>path("departure.express")).isTrue();
        assertThat(express.<Integer>path("departure.number")).isEqualTo(1);
        assertThat(express.<String>path("releaseId")).isNotNull();
        Response arrived = awaitCarriage(open, 1, "RELEASED");
        assertThat(arrived.<Boolean>path("express")).isTrue();
        // A boarded ticket takes no second express and cannot be cancelled.
        as(fixtures.token).post("/v1/trains/" + open + "/tickets/" + ticket.path("id") + "/express").then().statusCode(409)
                .body("detail", containsString("only a booked ticket"));
        as(fixtures.token).delete("/v1/trains/" + open + "/tickets/" + ticket.path("id")).then().statusCode(409);

        // Booking with express: true leaves at once (202); an app whose version is missing is not ready for one.
        App cart = app(3, "v2");
        Map<String, Object> body = ticket(cart);
        body.put("express", true);
        Response atOnce = book(open, body);
        assertThat(atOnce.statusCode()).as(atOnce.asString()).isEqualTo(202);
        assertThat(atOnce.<Integer>path("departure.number")).isEqualTo(2);
        awaitCarriage(open, 2, "RELEASED");
        Map<String, Object> missing = ticket(cart);
        missing.remove("versionId");
        missing.put("version", "v7");
        Response later = book(open, missing);
        as(fixtures.token).post("/v1/trains/" + open + "/tickets/" + later.path("id") + "/express").then().statusCode(409)
                .body("detail", containsString("not ready for an express")).body("detail", containsString("v7"));
        as(fixtures.token).delete("/v1/trains/" + open + "/tickets/" + later.path("id")).then().statusCode(200).body("state", equalTo("CANCELLED"));
    }

    @Test
    void aTicketWhoseVersionIsMissingIsRebookedOntoTheNextDeparture() {
        String line = line(Map.of("cron", HOURLY));
        App shop = app(0, "v2");
        App late = app(1, "v2");
        book(line, ticket(shop));
        Map<String, Object> body = ticket(late);
        body.remove("versionId");
        body.put("version", "v3");
        Response missed = book(line, body);
        Instant departure = Instant.parse(missed.path("departure.departsAt"));

        departures.run(departure);
        Response carriage = as(fixtures.token).get("/v1/trains/" + line + "/departures/1").then().statusCode(200).extract().response();
        assertThat(carriage.<List<String>>path("tickets.groupId")).containsExactly(shop.group);
        assertThat(carriage.<List<String>>path("missed.ticketId")).containsExactly(missed.<String>path("id"));
        assertThat(carriage.<String>path("missed[0].reason")).contains("version v3").contains("not uploaded");
        assertThat(carriage.<String>path("missed[0].rebookedTo")).isEqualTo(departure.plusSeconds(3600).toString());

        Response rebooked = as(fixtures.token).get("/v1/trains/" + line + "/tickets/" + missed.path("id")).then().statusCode(200)
                .extract().response();
        assertThat(rebooked.<String>path("state")).isEqualTo("BOOKED");
        assertThat(rebooked.<Integer>path("rebooked")).isEqualTo(1);
        assertThat(rebooked.<String>path("departure.departsAt")).isEqualTo(departure.plusSeconds(3600).toString());
        assertThat(rebooked.<List<String>>path("history.what")).containsExactly("BOOKED", "REBOOKED");

        // Uploaded meanwhile: it leaves with the next train.
        fixtures.version(late.app, "v3");
        departures.run(departure.plusSeconds(3600));
        Response next = awaitCarriage(line, 2, "RELEASED");
        assertThat(next.<List<String>>path("tickets.ticketId")).containsExactly(missed.<String>path("id"));
        awaitCarriage(line, 1, "RELEASED");
    }

    @Test
    void aGroupBusyWithAnotherReleaseMissesTheTrainToo() {
        String line = line(Map.of("cron", HOURLY));
        App shop = app(4, "v2");
        String v1 = fixtures.version(shop.app, "v1");
        // A release of its own that waits for a person at the bake.
        Response own = fixtures.release(Map.of("groupId", shop.group, "versionId", v1));
        fixtures.awaitState(own.path("id"), "BAKING");
        Response ticket = book(line, ticket(shop));
        departures.run(Instant.parse(ticket.path("departure.departsAt")));
        Response carriage = as(fixtures.token).get("/v1/trains/" + line + "/departures/1").then().statusCode(200).extract().response();
        assertThat(carriage.<String>path("state")).isEqualTo("EMPTY");
        assertThat(carriage.<String>path("missed[0].reason")).contains("busy with release " + own.path("id"));
        as(fixtures.token).post("/v1/releases/" + own.path("id") + "/abort").then().statusCode(200);
    }

    @Test
    void anIsolatedCarriageRollsBackOnlyTheAppThatFailed() {
        Response carriage = carriageWithABadApp("ISOLATED", "PARTLY_RELEASED");
        assertThat(carriage.<List<String>>path("tickets.state")).containsExactly("ROLLED_BACK", "RELEASED");
        assertThat(carriage.<List<String>>path("tickets.releaseState")).containsExactly("ROLLED_BACK", "SUCCEEDED");
    }

    @Test
    void anAllOrNothingCarriageRollsBackEveryAppWhenOneFails() {
        Response carriage = carriageWithABadApp("ALL_OR_NOTHING", "ROLLED_BACK");
        assertThat(carriage.<List<String>>path("tickets.state")).containsExactly("ROLLED_BACK", "ROLLED_BACK_WITH_CARRIAGE");
        assertThat(carriage.<List<String>>path("tickets.releaseState")).containsExactly("ROLLED_BACK", "ROLLED_BACK");
        // The good app's server has its own image back, and its group no current version (it had none before).
        assertThat(cloud.installsOf(fixtures.providerIds.get(1))).last().asString().startsWith("debian-12");
        String good = carriage.path("tickets[1].releaseId");
        Response goodRelease = as(fixtures.token).get("/v1/releases/" + good).then().statusCode(200).extract().response();
        String app = as(fixtures.token).get("/v1/releases/" + good).path("applicationId");
        assertThat(as(fixtures.token).get("/v1/applications/" + app + "/groups").then().statusCode(200).extract()
                .<String>path("items[0].currentVersionId")).as("the rolled-back group's version").isNull();
        assertThat(goodRelease.<String>path("state")).isEqualTo("ROLLED_BACK");
        List<String> rollers = as(Tokens.admin()).queryParam("targetId", good).queryParam("action", "release.rollback")
                .get("/v1/audit").then().statusCode(200).extract().path("items.actor");
        assertThat(rollers).containsExactly("train");
    }

    @Test
    void twoReplicasDepartingTheSameTrainMakeOneCarriage() throws Exception {
        String line = line(Map.of("cron", HOURLY));
        App shop = app(5, "v2");
        Instant departure = Instant.parse(book(line, ticket(shop)).path("departure.departsAt"));
        UUID lineId = UUID.fromString(line);
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService replicas = Executors.newFixedThreadPool(2);
        try {
            Callable<Optional<UUID>> replica = () -> {
                together.await();
                return departures.depart(lineId, departure);
            };
            List<Future<Optional<UUID>>> results = new ArrayList<>();
            results.add(replicas.submit(replica));
            results.add(replicas.submit(replica));
            List<UUID> carriages = new ArrayList<>();
            for (Future<Optional<UUID>> f : results) {
                f.get().ifPresent(carriages::add);
            }
            assertThat(carriages).hasSize(1);
        } finally {
            replicas.shutdownNow();
        }
        Response all = as(fixtures.token).get("/v1/trains/" + line + "/departures").then().statusCode(200).extract().response();
        assertThat(all.<List<Integer>>path("items.number").stream().filter(n -> n != null).toList()).containsExactly(1);
        assertThat(all.<List<String>>path("items[0].tickets.releaseId")).hasSize(1).doesNotContainNull();
        awaitCarriage(line, 1, "RELEASED");
        assertThat(cloud.installsOf(fixtures.providerIds.get(5))).hasSize(1);
    }

    @Test
    void aTenantSeesAndBooksOnlyItsOwn() {
        String line = line(Map.of("cron", HOURLY, "expressAllowed", true));
        App shop = app(0, "v2");
        Response ticket = book(line, ticket(shop));
        String other = Tokens.tenant(io.skydeck.support.Api.createTenant(uniqueName("other")));
        as(other).get("/v1/trains/" + line).then().statusCode(404);
        as(other).get("/v1/trains/" + line + "/tickets").then().statusCode(404);
        as(other).get("/v1/trains/" + line + "/tickets/" + ticket.path("id")).then().statusCode(404);
        as(other).get("/v1/trains/" + line + "/departures").then().statusCode(404);
        as(other).get("/v1/trains/" + line + "/departures/1").then().statusCode(404);
        as(other).body(ticket(shop)).post("/v1/trains/" + line + "/tickets").then().statusCode(404);
        as(other).post("/v1/trains/" + line + "/tickets/" + ticket.path("id") + "/express").then().statusCode(404);
        as(other).delete("/v1/trains/" + line + "/tickets/" + ticket.path("id")).then().statusCode(404);
        assertThat(as(other).get("/v1/trains").then().statusCode(200).extract().<List<String>>path("items.id")).isEmpty();
        // Its own line cannot carry another tenant's group.
        String theirs = as(other).body(Map.of("pool", "theirs", "cron", HOURLY)).post("/v1/trains").then().statusCode(201)
                .extract().path("id");
        as(other).body(ticket(shop)).post("/v1/trains/" + theirs + "/tickets").then().statusCode(404)
                .body("detail", containsString("release group"));
        assertThat(as(fixtures.token).get("/v1/trains").then().statusCode(200).extract().<List<String>>path("items.id")).contains(line)
                .doesNotContain(theirs);
        as(fixtures.token).delete("/v1/trains/" + line + "/tickets/" + ticket.path("id")).then().statusCode(200);
    }

    @Test
    void badInputIsA400NamingTheField() {
        expectLineField(Map.of("pool", uniqueName("p"), "cron", "every two hours"), "cron");
        expectLineField(Map.of("pool", uniqueName("p"), "cron", "0 0 * * *"), "cron");
        expectLineField(Map.of("pool", uniqueName("p"), "cron", "* * * * * ?"), "cron");
        expectLineField(Map.of("pool", uniqueName("p")), "cron");
        expectLineField(Map.of("cron", HOURLY), "pool");
        expectLineField(Map.of("pool", uniqueName("p"), "cron", HOURLY, "isolation", "SOMETIMES"), "isolation");
        expectLineField(Map.of("pool", uniqueName("p"), "cron", HOURLY, "region", "sbx-east-1"), "provider");
        Response tooOften = as(fixtures.token).body(Map.of("pool", uniqueName("p"), "cron", "* * * * * ?")).post("/v1/trains")
                .then().extract().response();
        assertThat(tooOften.<String>path("detail")).contains("at least 1 minute apart");
        String pool = uniqueName("p");
        as(fixtures.token).body(Map.of("pool", pool, "cron", HOURLY)).post("/v1/trains").then().statusCode(201);
        as(fixtures.token).body(Map.of("pool", pool, "cron", HOURLY)).post("/v1/trains").then().statusCode(409);

        String line = line(Map.of("cron", HOURLY, "provider", "sandbox", "region", "elsewhere-1"));
        App shop = app(0, "v2");
        expectTicketField(line, ticket(shop), "groupId");
        String open = line(Map.of("cron", HOURLY));
        Map<String, Object> noGroup = ticket(shop);
        noGroup.remove("groupId");
        expectTicketField(open, noGroup, "groupId");
        Map<String, Object> both = ticket(shop);
        both.put("version", "v2");
        expectTicketField(open, both, "versionId");
        Map<String, Object> expressLater = ticket(shop);
        expressLater.put("express", true);
        expressLater.put("readyAt", Instant.now().plusSeconds(600).toString());
        expectTicketField(open, expressLater, "readyAt");
        expectTicketField(open, withRelease(ticket(shop), "batchSize", 0), "release.batchSize");
        expectTicketField(open, withRelease(ticket(shop), "brakeRatio", 2.0), "release.brakeRatio");
        expectTicketField(open, withRelease(ticket(shop), "strategy", "BLUE_GREEN"), "release.strategy");
        expectTicketField(open, withRelease(ticket(shop), "strategy", "SIDEWAYS"), "release.strategy");
        expectTicketField(open, withRelease(ticket(shop), "strategy", "CANARY"), "release.canary");
        expectTicketField(open, withRelease(withRelease(ticket(shop), "strategy", "RECREATE"), "batchSize", 1), "release.batchSize");
        expectTicketField(open, withRelease(ticket(shop), "degradeSwitches", List.of("no-such-switch")), "release.degradeSwitches");
        // This class's cloud stands in for the sandbox, so the sandbox's own traffic cannot measure it.
        expectTicketField(open, withRelease(ticket(shop), "analysis", Map.of("source", "sandbox", "checks", List.of())),
                "release.analysis.source");
        as(fixtures.token).body(Map.of("groupId", "nope", "version", "v2")).post("/v1/trains/" + open + "/tickets").then().statusCode(400);
        // A group holds one ticket per line.
        String held = book(open, ticket(shop)).path("id");
        as(fixtures.token).body(ticket(shop)).post("/v1/trains/" + open + "/tickets").then().statusCode(409)
                .body("detail", containsString("already holds a ticket"));
        as(fixtures.token).delete("/v1/trains/" + open + "/tickets/" + held).then().statusCode(200);
    }

    // --- helpers -------------------------------------------------------------------------------

    private record App(String app, String group, String version) {
    }

    /** An application with a group of the one server at {@code server} and a version {@code version}. */
    private App app(int server, String version) {
        String app = fixtures.application();
        String group = as(fixtures.token).body(Map.of("name", uniqueName("web"), "serverIds", List.of(fixtures.servers.get(server).toString()),
                        "trafficTarget", "lb-" + server))
                .post("/v1/applications/" + app + "/groups").then().statusCode(201).extract().path("id");
        return new App(app, group, fixtures.version(app, version));
    }

    private static Map<String, Object> ticket(App app) {
        Map<String, Object> body = new HashMap<>();
        body.put("groupId", app.group);
        body.put("versionId", app.version);
        body.put("release", new HashMap<>(Map.of("bastion", false, "brakeRatio", 0.5)));
        return body;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> withRelease(Map<String, Object> body, String key, Object value) {
        ((Map<String, Object>) body.get("release")).put(key, value);
        return body;
    }

    private String line(Map<String, Object> fields) {
        Map<String, Object> body = new HashMap<>(fields);
        body.putIfAbsent("pool", uniqueName("pool"));
        Response r = as(fixtures.token).body(body).post("/v1/trains").then().extract().response();
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(201);
        return r.path("id");
    }

    private Response book(String line, Map<String, Object> body) {
        Response r = as(fixtures.token).body(body).post("/v1/trains/" + line + "/tickets").then().extract().response();
        assertThat(r.statusCode()).as(r.asString()).isIn(201, 202);
        return r;
    }

    /** Two apps (the first's version fails on its one server) on one departure of a line with {@code isolation}. */
    private Response carriageWithABadApp(String isolation, String expected) {
        String line = line(Map.of("cron", HOURLY, "isolation", isolation));
        App bad = app(0, "v-bad-" + isolation.toLowerCase());
        App good = app(1, "v-good");
        cloud.failOn("shop:v-bad-" + isolation.toLowerCase(), Set.of(fixtures.providerIds.get(0)));
        Instant departure = Instant.parse(book(line, ticket(bad)).path("departure.departsAt"));
        book(line, ticket(good));
        departures.run(departure);
        Response carriage = awaitCarriage(line, 1, expected);
        Response ticket = as(fixtures.token).get("/v1/trains/" + line + "/tickets/" + carriage.path("tickets[1].ticketId"))
                .then().statusCode(200).extract().response();
        if (isolation.equals("ALL_OR_NOTHING")) {
            assertThat(ticket.<String>path("history[-1].reason")).contains("all-or-nothing").contains(bad.group);
        } else {
            assertThat(ticket.<String>path("history[-1].what")).isEqualTo("RELEASED");
        }
        return carriage;
    }

    /** Follows the carriages and polls the departure until its state is {@code state}; fails after 30 s. */
    private Response awaitCarriage(String line, int number, String state) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            departures.follow();
            Response r = as(fixtures.token).get("/v1/trains/" + line + "/departures/" + number).then().statusCode(200).extract().response();
            if (state.equals(r.path("state"))) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("carriage " + number + " did not reach " + state + " in 30 s: " + r.asString());
            }
            ReleaseFixtures.sleep(100);
        }
    }

    private void expectLineField(Map<String, Object> body, String field) {
        Response r = as(fixtures.token).body(body).post("/v1/trains").then().extract().response();
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.<List<String>>path("errors.field")).as(r.asString()).contains(field);
    }

    private void expectTicketField(String line, Map<String, Object> body, String field) {
        Response r = as(fixtures.token).body(body).post("/v1/trains/" + line + "/tickets").then().extract().response();
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.<List<String>>path("errors.field")).as(r.asString()).contains(field);
    }
}
