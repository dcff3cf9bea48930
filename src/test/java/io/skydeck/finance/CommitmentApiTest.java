package io.skydeck.finance;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.finance.FinanceFixtures.money;
import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

/** {@code /v1/commitments}: recorded by finance, validated field by field, read by finance, admin and the owning tenant. */
@QuarkusTest
class CommitmentApiTest {

    @Test
    void financeRecordsAReservationOnceUnderAnIdempotencyKeyAndReadsItBack() {
        UUID tenant = createTenant(uniqueName("reserved"));
        String key = uniqueName("ri");
        Response created = as(Tokens.finance()).header("Idempotency-Key", key).body(reservation(tenant)).post("/v1/commitments")
                .then().statusCode(201).body("type", equalTo("reserved-capacity")).body("tenantId", equalTo(tenant.toString()))
                .body("flavor", equalTo("m1.large")).body("createdBy", equalTo("finance@test")).extract().response();
        String id = created.path("id");
        assertThat(money(created, "committedUnitPrice")).isEqualByComparingTo("0.06");
        assertThat(created.header("Location")).endsWith("/v1/commitments/" + id);

        as(Tokens.finance()).header("Idempotency-Key", key).body(reservation(tenant)).post("/v1/commitments")
                .then().statusCode(201).body("id", equalTo(id));
        as(Tokens.finance()).queryParam("tenantId", tenant.toString()).get("/v1/commitments").then().statusCode(200)
                .body("items.size()", equalTo(1)).body("items[0].id", equalTo(id));
        as(Tokens.finance()).get("/v1/commitments/" + id).then().statusCode(200).body("meter", equalTo("SERVER_HOURS"));
        as(Tokens.admin()).get("/v1/commitments/" + id).then().statusCode(200);
    }

    @Test
    void aSpendCommitmentHasNoMeterAndItsDiscountIsAFraction() {
        UUID tenant = createTenant(uniqueName("spend"));
        Response created = as(Tokens.finance()).body(spend(tenant)).post("/v1/commitments").then().statusCode(201)
                .body("type", equalTo("spend")).body("meter", equalTo(null)).extract().response();
        assertThat(money(created, "hourlyCommitment")).isEqualByComparingTo("0.10");
        assertThat(money(created, "discountRate")).isEqualByComparingTo("0.50");
    }

    @Test
    void everythingWrongWithACommitmentIsReportedAtOnce() {
        Map<String, Object> bad = new HashMap<>(reservation(UUID.randomUUID()));
        bad.put("meter", "SERVER_DAYS");
        bad.put("unitsPerHour", 0);
        bad.put("effectiveFrom", "2025-05-01T00:30:00Z");
        bad.put("discountRate", 0.2);
        bad.put("currency", "usd");
        as(Tokens.finance()).body(bad).post("/v1/commitments").then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:validation"))
                .body("errors.field", hasItems("tenantId", "meter", "unitsPerHour", "effectiveFrom", "discountRate", "currency"));

        Map<String, Object> spendAfterItEnds = new HashMap<>(spend(createTenant(uniqueName("spend-bad"))));
        spendAfterItEnds.put("effectiveTo", "2025-04-01T00:00:00Z");
        spendAfterItEnds.put("discountRate", 1);
        as(Tokens.finance()).body(spendAfterItEnds).post("/v1/commitments").then().statusCode(400)
                .body("errors.field", hasItems("effectiveTo", "discountRate"));
        as(Tokens.finance()).body(Map.of("type", "lease")).post("/v1/commitments").then().statusCode(400)
                .body("errors.field", hasItems("type", "provider", "tenantId"));
    }

    @Test
    void aTenantReadsItsOwnCommitmentsOnlyAndRecordsNone() {
        UUID mine = createTenant(uniqueName("own-ri"));
        UUID theirs = createTenant(uniqueName("their-ri"));
        String myId = as(Tokens.finance()).body(reservation(mine)).post("/v1/commitments").then().statusCode(201).extract().path("id");
        String theirId = as(Tokens.finance()).body(spend(theirs)).post("/v1/commitments").then().statusCode(201).extract().path("id");
        String me = Tokens.tenant(mine);

        as(me).get("/v1/commitments").then().statusCode(200).body("items.id", equalTo(List.of(myId)));
        as(me).get("/v1/commitments/" + myId).then().statusCode(200);
        as(me).get("/v1/commitments/" + theirId).then().statusCode(404).contentType("application/problem+json");
        as(me).queryParam("tenantId", theirs.toString()).get("/v1/commitments").then().statusCode(200).body("items.size()", equalTo(0));
        as(me).body(reservation(mine)).post("/v1/commitments").then().statusCode(403);
    }

    @Test
    void theSchedulerIsForbiddenAndNoTokenIsUnauthorized() {
        UUID tenant = createTenant(uniqueName("ri-roles"));
        String id = as(Tokens.finance()).body(reservation(tenant)).post("/v1/commitments").then().statusCode(201).extract().path("id");

        as(Tokens.scheduler()).get("/v1/commitments").then().statusCode(403);
        as(Tokens.scheduler()).get("/v1/commitments/" + id).then().statusCode(403);
        as(Tokens.scheduler()).body(reservation(tenant)).post("/v1/commitments").then().statusCode(403);
        as(Tokens.admin()).body(reservation(tenant)).post("/v1/commitments").then().statusCode(403);
        RestAssured.get("/v1/commitments").then().statusCode(401);
        RestAssured.get("/v1/commitments/" + id).then().statusCode(401);
        RestAssured.given().contentType("application/json").body(reservation(tenant)).post("/v1/commitments").then().statusCode(401);
    }

    static Map<String, Object> reservation(UUID tenant) {
        return fields("tenantId", tenant.toString(), "type", "reserved-capacity", "provider", "sandbox", "region", "sbx-east-1",
                "meter", "SERVER_HOURS", "flavor", "m1.large", "unitsPerHour", 1, "committedUnitPrice", 0.06, "currency", "USD",
                "effectiveFrom", "2025-05-01T00:00:00Z", "effectiveTo", "2025-05-02T00:00:00Z");
    }

    static Map<String, Object> spend(UUID tenant) {
        return fields("tenantId", tenant.toString(), "type", "spend", "provider", "sandbox", "hourlyCommitment", 0.10,
                "discountRate", 0.50, "currency", "USD", "effectiveFrom", "2025-05-01T08:00:00Z", "effectiveTo", "2025-05-01T10:00:00Z");
    }

    /** A JSON body from alternating names and values (Map.of stops at ten). */
    static Map<String, Object> fields(Object... namesAndValues) {
        Map<String, Object> body = new HashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            body.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return body;
    }
}
