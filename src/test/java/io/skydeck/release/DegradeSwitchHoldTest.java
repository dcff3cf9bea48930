package io.skydeck.release;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Java API a release drives degrade switches with: hold for a release, restore at its end.
 * Each test reads the outcome back over HTTP, as a person would see it, and from the audit log.
 */
@QuarkusTest
class DegradeSwitchHoldTest {

    @Inject
    DegradeSwitchService degradeSwitches;

    @Inject
    EntityManager em;

    UUID tenant;
    String token;
    UUID release = UUID.randomUUID();

    @BeforeEach
    void aTenant() {
        tenant = createTenant(uniqueName("shop"));
        token = Tokens.tenant(tenant);
    }

    UUID create(String name) {
        return UUID.fromString(as(token).body(Map.of("name", name, "dependency", name + "-service")).post("/v1/degrade-switches")
                .then().statusCode(201).extract().path("id"));
    }

    Response view(UUID id) {
        return as(token).get("/v1/degrade-switches/" + id).then().statusCode(200).extract().response();
    }

    String state(UUID id) {
        return view(id).path("state");
    }

    List<String> heldBy(UUID id) {
        return view(id).path("heldBy");
    }

    List<String> actions(UUID id) {
        return as(Tokens.admin()).queryParam("tenantId", tenant).queryParam("targetId", id).get("/v1/audit")
                .then().statusCode(200).extract().path("items.action");
    }

    @Test
    void aReleaseTurnsItsSwitchesOnAndRestoresEachToItsStateBefore() {
        UUID cache = create("pricing-cache");
        UUID search = create("search-fallback");
        as(token).body(Map.of("reason", "search is flaky")).post("/v1/degrade-switches/" + search + "/on").then().statusCode(200);

        DegradeSwitchService.Holding held = degradeSwitches.holdForRelease(tenant, release, List.of(cache, search),
                Optional.of("release 42 of the shop"));

        assertThat(held.turned()).containsExactly(cache);
        Response cacheView = view(cache);
        assertThat(cacheView.<String>path("state")).isEqualTo("ON");
        assertThat(cacheView.<String>path("changedBy")).isEqualTo("release:" + release);
        assertThat(cacheView.<String>path("reason")).isEqualTo("release 42 of the shop");
        assertThat(cacheView.<List<String>>path("heldBy")).containsExactly(release.toString());
        assertThat(view(search).<String>path("changedBy")).as("already on: the person's change still explains it")
                .isEqualTo("user@" + tenant);
        assertThat(heldBy(search)).containsExactly(release.toString());

        DegradeSwitchService.Holding restored = degradeSwitches.restoreAfterRelease(release);

        assertThat(restored.turned()).containsExactly(cache);
        assertThat(state(cache)).isEqualTo("OFF");
        assertThat(view(cache).<String>path("reason")).isEqualTo("restored to its state before release " + release);
        assertThat(state(search)).as("it was on before the release").isEqualTo("ON");
        assertThat(heldBy(cache)).isEmpty();
        assertThat(heldBy(search)).isEmpty();
        assertThat(actions(cache)).containsExactly("degrade-switch.created", "degrade-switch.held", "degrade-switch.restored");
        assertThat(actions(search)).containsExactly("degrade-switch.created", "degrade-switch.turned-on",
                "degrade-switch.held", "degrade-switch.restored");
    }

    @Test
    void holdingAndRestoringAgainChangesNothing() {
        UUID cache = create("pricing-cache");

        degradeSwitches.holdForRelease(tenant, release, List.of(cache), Optional.empty());
        DegradeSwitchService.Holding replayed = degradeSwitches.holdForRelease(tenant, release, List.of(cache), Optional.empty());
        assertThat(replayed.turned()).isEmpty();
        assertThat(view(cache).<String>path("reason")).isEqualTo("held by release " + release);
        degradeSwitches.restoreAfterRelease(release);
        DegradeSwitchService.Holding again = degradeSwitches.restoreAfterRelease(release);
        // a replayed start after the end does not take the switch again either
        degradeSwitches.holdForRelease(tenant, release, List.of(cache), Optional.empty());

        assertThat(again.switches()).isEmpty();
        assertThat(state(cache)).isEqualTo("OFF");
        assertThat(actions(cache)).containsExactly("degrade-switch.created", "degrade-switch.held", "degrade-switch.restored");
    }

    @Test
    void aSwitchTwoReleasesHoldGoesBackOnlyWhenTheLastEnds() {
        UUID cache = create("pricing-cache");
        UUID other = UUID.randomUUID();

        degradeSwitches.holdForRelease(tenant, release, List.of(cache), Optional.empty());
        degradeSwitches.holdForRelease(tenant, other, List.of(cache), Optional.empty());
        assertThat(heldBy(cache)).containsExactly(release.toString(), other.toString());

        degradeSwitches.restoreAfterRelease(release);
        assertThat(state(cache)).isEqualTo("ON");
        assertThat(heldBy(cache)).containsExactly(other.toString());

        degradeSwitches.restoreAfterRelease(other);
        assertThat(state(cache)).as("off, as before the first release").isEqualTo("OFF");
        assertThat(heldBy(cache)).isEmpty();
    }

    @Test
    void aPersonTurningAHeldSwitchOverridesTheReleaseWhichThenLeavesIt() {
        UUID cache = create("pricing-cache");
        UUID search = create("search-fallback");
        degradeSwitches.holdForRelease(tenant, release, List.of(cache, search), Optional.empty());

        as(token).body(Map.of("reason", "pricing must be live for the sale")).post("/v1/degrade-switches/" + cache + "/off")
                .then().statusCode(200).body("heldBy", org.hamcrest.Matchers.empty());
        as(token).body(Map.of("reason", "keep search degraded after the release")).post("/v1/degrade-switches/" + search + "/on")
                .then().statusCode(200).body("changedBy", org.hamcrest.Matchers.equalTo("user@" + tenant));
        DegradeSwitchService.Holding restored = degradeSwitches.restoreAfterRelease(release);

        assertThat(restored.switches()).isEmpty();
        assertThat(state(cache)).isEqualTo("OFF");
        assertThat(state(search)).as("base was off, but the person's word stands").isEqualTo("ON");
        assertThat(view(search).<String>path("reason")).isEqualTo("keep search degraded after the release");
        assertThat(degradeSwitches.heldBy(release)).isEmpty();
    }

    @Test
    void anotherTenantsSwitchRefusesTheWholeHold() {
        UUID own = create("pricing-cache");
        UUID rival = createTenant(uniqueName("rival"));
        UUID theirs = UUID.fromString(as(Tokens.tenant(rival)).body(Map.of("name", "theirs", "dependency", "x"))
                .post("/v1/degrade-switches").then().statusCode(201).extract().path("id"));

        assertThatThrownBy(() -> degradeSwitches.holdForRelease(tenant, release, List.of(own, theirs), Optional.empty()))
                .isInstanceOf(ProblemException.class).hasMessage("degrade switch " + theirs + " does not exist");
        assertThatThrownBy(() -> degradeSwitches.holdForRelease(tenant, release, List.of(own), Optional.of("r".repeat(501))))
                .isInstanceOf(ProblemException.class).hasMessage("reason: at most 500 characters");

        assertThat(state(own)).isEqualTo("OFF");
        assertThat(degradeSwitches.heldBy(release)).isEmpty();
        assertThat(as(Tokens.tenant(rival)).get("/v1/degrade-switches/" + theirs).<String>path("state")).isEqualTo("OFF");
    }

    @Test
    void aRestoreThatDiesHalfWayLeavesEverythingHeldAndTheNextOneFinishes() {
        UUID cache = create("pricing-cache");
        UUID search = create("search-fallback");
        degradeSwitches.holdForRelease(tenant, release, List.of(cache, search), Optional.empty());

        // the driver's transaction is lost after restoring (a crash before commit)
        QuarkusTransaction.begin();
        degradeSwitches.restoreAfterRelease(release);
        QuarkusTransaction.rollback();

        // what a restarted service knows is what the database holds
        List<?> rows = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                        "SELECT s.is_on, h.base_on FROM degrade_switch_hold h JOIN degrade_switch s ON s.id = h.switch_id "
                                + "WHERE h.release_id = ?1 AND h.ended_at IS NULL")
                .setParameter(1, release).getResultList());
        assertThat(rows).hasSize(2).allSatisfy(r -> assertThat((Object[]) r).containsExactly(true, false));

        degradeSwitches.restoreAfterRelease(release);
        assertThat(state(cache)).isEqualTo("OFF");
        assertThat(state(search)).isEqualTo("OFF");
    }

    @Test
    void releasesHoldingAndRestoringTheSameSwitchesAtOnceNeitherDeadlockNorLeaveOneOn() throws Exception {
        List<UUID> shared = List.of(create("a"), create("b"), create("c"));
        List<UUID> releases = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Object>> holds = new ArrayList<>();
            for (UUID r : releases) {
                // each release names the switches in its own order; locks are still taken in one order
                List<UUID> order = new ArrayList<>(shared);
                java.util.Collections.rotate(order, releases.indexOf(r));
                holds.add(() -> degradeSwitches.holdForRelease(tenant, r, order, Optional.empty()));
            }
            for (Future<Object> f : pool.invokeAll(holds, 60, TimeUnit.SECONDS)) {
                f.get();
            }
            shared.forEach(s -> assertThat(heldBy(s)).hasSize(4));

            List<Callable<Object>> restores = releases.stream().<Callable<Object>>map(r -> () -> degradeSwitches.restoreAfterRelease(r)).toList();
            for (Future<Object> f : pool.invokeAll(restores, 60, TimeUnit.SECONDS)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        shared.forEach(s -> {
            assertThat(state(s)).isEqualTo("OFF");
            assertThat(heldBy(s)).isEmpty();
        });
    }
}
