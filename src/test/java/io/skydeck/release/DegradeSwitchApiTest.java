package io.skydeck.release;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/** {@code /v1/degrade-switches} over HTTP against the real database: state with who/why/since, isolation, bad input. */
@QuarkusTest
class DegradeSwitchApiTest {

    UUID tenantA;
    UUID tenantB;
    String tokenA;
    String tokenB;

    @BeforeEach
    void twoTenants() {
        tenantA = createTenant(uniqueName("shop"));
        tenantB = createTenant(uniqueName("rival"));
        tokenA = Tokens.tenant(tenantA);
        tokenB = Tokens.tenant(tenantB);
    }

    static Map<String, Object> degradeSwitch(String name, String dependency) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", name);
        body.put("dependency", dependency);
        body.put("description", "serve cached prices when " + dependency + " is being released");
        return body;
    }

    String create(String token, String name, String dependency) {
        return as(token).body(degradeSwitch(name, dependency)).post("/v1/degrade-switches")
                .then().statusCode(201).extract().path("id");
    }

    @Test
    void aNewSwitchIsOffAndSaysWhoCreatedIt() {
        Response created = as(tokenA).body(degradeSwitch("pricing-cache", "pricing-service")).post("/v1/degrade-switches")
                .then().statusCode(201).extract().response();
        String id = created.path("id");

        assertThat(created.header("Location")).endsWith("/v1/degrade-switches/" + id);
        as(tokenA).get("/v1/degrade-switches/" + id).then().statusCode(200)
                .body("tenantId", equalTo(tenantA.toString())).body("name", equalTo("pricing-cache"))
                .body("dependency", equalTo("pricing-service")).body("state", equalTo("OFF"))
                .body("changedBy", equalTo("user@" + tenantA)).body("reason", equalTo("created"))
                .body("since", equalTo(created.path("createdAt"))).body("heldBy", equalTo(List.of()));
    }

    @Test
    void turningASwitchRecordsWhoWhyAndSinceAndEveryChangeIsAudited() {
        String id = create(tokenA, "pricing-cache", "pricing-service");
        Instant createdSince = Instant.parse(as(tokenA).get("/v1/degrade-switches/" + id).path("since"));

        Response on = as(tokenA).body(Map.of("reason", "pricing is slow today")).post("/v1/degrade-switches/" + id + "/on")
                .then().statusCode(200).body("state", equalTo("ON")).body("changedBy", equalTo("user@" + tenantA))
                .body("reason", equalTo("pricing is slow today")).extract().response();
        assertThat(Instant.parse(on.path("since"))).isAfter(createdSince);

        as(Tokens.admin()).body(Map.of("reason", "pricing recovered")).post("/v1/degrade-switches/" + id + "/off")
                .then().statusCode(200).body("state", equalTo("OFF")).body("changedBy", equalTo("admin@test"))
                .body("reason", equalTo("pricing recovered"));
        // already off: nothing changes, nothing is recorded
        Response again = as(tokenA).body(Map.of("reason", "just making sure")).post("/v1/degrade-switches/" + id + "/off")
                .then().statusCode(200).body("state", equalTo("OFF")).body("changedBy", equalTo("admin@test"))
                .body("reason", equalTo("pricing recovered")).extract().response();
        assertThat(again.header("ETag")).isEqualTo("\"2\"");

        Response trail = as(Tokens.admin()).queryParam("tenantId", tenantA).queryParam("targetId", id).get("/v1/audit")
                .then().statusCode(200).extract().response();
        assertThat(trail.<List<String>>path("items.action"))
                .containsExactly("degrade-switch.created", "degrade-switch.turned-on", "degrade-switch.turned-off");
        assertThat(trail.<List<String>>path("items.actor")).containsExactly("user@" + tenantA, "user@" + tenantA, "admin@test");
        assertThat(trail.<List<String>>path("items.requestId")).doesNotContainNull();
    }

    @Test
    void aTenantNeverSeesNorTurnsAnotherTenantsSwitch() {
        String id = create(tokenA, "search-fallback", "search");
        String own = create(tokenB, "search-fallback", "search");

        as(tokenB).get("/v1/degrade-switches/" + id).then().statusCode(404)
                .contentType("application/problem+json").body("type", equalTo("urn:skydeck:problem:not-found"));
        as(tokenB).body(Map.of("reason", "sabotage")).post("/v1/degrade-switches/" + id + "/on").then().statusCode(404);
        as(tokenB).body(Map.of("reason", "sabotage")).post("/v1/degrade-switches/" + id + "/off").then().statusCode(404);
        assertThat(as(tokenB).get("/v1/degrade-switches").<List<String>>path("items.id")).containsExactly(own);
        assertThat(as(tokenB).queryParam("tenantId", tenantA).get("/v1/degrade-switches").<List<String>>path("items")).isEmpty();
        Map<String, Object> forA = degradeSwitch("planted", "search");
        forA.put("tenantId", tenantA.toString());
        as(tokenB).body(forA).post("/v1/degrade-switches").then().statusCode(404);

        as(tokenA).get("/v1/degrade-switches/" + id).then().statusCode(200).body("state", equalTo("OFF"));
        assertThat(as(Tokens.admin()).queryParam("tenantId", tenantA).get("/v1/degrade-switches").<List<String>>path("items.id"))
                .containsExactly(id);
        assertThat(as(Tokens.admin()).queryParam("tenantId", tenantA).queryParam("targetId", id).get("/v1/audit")
                .<List<String>>path("items.action")).containsExactly("degrade-switch.created");
    }

    @Test
    void listsFilterByDependency() {
        String search = create(tokenA, "search-fallback", "search");
        create(tokenA, "pricing-cache", "pricing-service");

        assertThat(as(tokenA).queryParam("dependency", "search").get("/v1/degrade-switches").<List<String>>path("items.id"))
                .containsExactly(search);
    }

    @Test
    void badInputIsRefusedWithTheFieldNamed() {
        create(tokenA, "pricing-cache", "pricing-service");

        as(tokenA).body(degradeSwitch("pricing-cache", "other")).post("/v1/degrade-switches").then().statusCode(409)
                .body("type", equalTo("urn:skydeck:problem:conflict"))
                .body("detail", startsWith("tenant '")).body("detail", org.hamcrest.Matchers.endsWith("already has a degrade switch named 'pricing-cache'"));
        as(tokenA).body(degradeSwitch("Pricing Cache", "pricing")).post("/v1/degrade-switches").then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].field", equalTo("name"));
        as(tokenA).body(degradeSwitch("ok", "pricing service; drop table")).post("/v1/degrade-switches").then().statusCode(400)
                .body("errors[0].field", equalTo("dependency"));
        Map<String, Object> noName = degradeSwitch("x", "pricing");
        noName.remove("name");
        as(tokenA).body(noName).post("/v1/degrade-switches").then().statusCode(400).body("errors[0].field", equalTo("name"));
        Map<String, Object> longDescription = degradeSwitch("long", "pricing");
        longDescription.put("description", "x".repeat(501));
        as(tokenA).body(longDescription).post("/v1/degrade-switches").then().statusCode(400)
                .body("errors[0].field", equalTo("description"));
        Map<String, Object> unknownField = degradeSwitch("odd", "pricing");
        unknownField.put("state", "ON");
        as(tokenA).body(unknownField).post("/v1/degrade-switches").then().statusCode(400);
        as(Tokens.admin()).body(degradeSwitch("whose", "pricing")).post("/v1/degrade-switches").then().statusCode(400)
                .body("errors[0].field", equalTo("tenantId"));

        String id = as(tokenA).get("/v1/degrade-switches").path("items[0].id");
        as(tokenA).post("/v1/degrade-switches/" + id + "/on").then().statusCode(400);
        as(tokenA).body(Map.of("reason", " ")).post("/v1/degrade-switches/" + id + "/on").then().statusCode(400)
                .body("errors[0].field", equalTo("reason"));
        as(tokenA).body(Map.of("reason", "r".repeat(501))).post("/v1/degrade-switches/" + id + "/on").then().statusCode(400)
                .body("errors[0].field", equalTo("reason"));
        as(tokenA).body(Map.of("reason", "r")).post("/v1/degrade-switches/" + UUID.randomUUID() + "/on").then().statusCode(404);
        as(tokenA).get("/v1/degrade-switches/not-a-uuid").then().statusCode(404);
        as(tokenA).queryParam("tenantId", "nope").get("/v1/degrade-switches").then().statusCode(400);
        as(tokenA).get("/v1/degrade-switches/" + id).then().statusCode(200).body("state", equalTo("OFF"));

        as(Tokens.finance()).get("/v1/degrade-switches").then().statusCode(403);
        as(Tokens.scheduler()).body(Map.of("reason", "r")).post("/v1/degrade-switches/" + id + "/on").then().statusCode(403);
        RestAssured.given().get("/v1/degrade-switches").then().statusCode(401);
    }

    @Test
    void aReplayedCreateReturnsTheFirstSwitch() {
        String key = UUID.randomUUID().toString();
        String first = as(tokenA).header("Idempotency-Key", key).body(degradeSwitch("replayed", "pricing"))
                .post("/v1/degrade-switches").then().statusCode(201).extract().path("id");
        String second = as(tokenA).header("Idempotency-Key", key).body(degradeSwitch("replayed", "pricing"))
                .post("/v1/degrade-switches").then().statusCode(201).header("Idempotency-Replayed", "true").extract().path("id");

        assertThat(second).isEqualTo(first);
        as(tokenA).header("Idempotency-Key", key).body(degradeSwitch("other", "pricing")).post("/v1/degrade-switches")
                .then().statusCode(422);
    }
}
