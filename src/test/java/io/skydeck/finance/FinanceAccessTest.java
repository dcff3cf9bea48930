package io.skydeck.finance;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.uniqueName;
import static org.hamcrest.Matchers.equalTo;

/**
 * Who may call each finance endpoint: finance everything; a tenant its own usage, invoices and
 * commitments only (another tenant's are "not found"); admin reads usage, invoices, commitments and job runs; the
 * scheduler nothing; no token is 401.
 */
@QuarkusTest
class FinanceAccessTest {

    UUID mine;
    UUID theirs;
    String mineToken;
    String theirInvoice;

    @BeforeEach
    void twoTenantsWithAnInvoiceEach() {
        mine = createTenant(uniqueName("mine"));
        theirs = createTenant(uniqueName("theirs"));
        mineToken = Tokens.tenant(mine);
        as(Tokens.finance()).body(Map.of("tenantId", mine.toString(), "period", "2024-07")).post("/v1/invoices").then().statusCode(201);
        theirInvoice = as(Tokens.finance()).body(Map.of("tenantId", theirs.toString(), "period", "2024-07")).post("/v1/invoices")
                .then().statusCode(201).extract().path("id");
    }

    @Test
    void aTenantSeesOnlyItsOwnUsageAndInvoices() {
        as(mineToken).get("/v1/usage").then().statusCode(200);
        as(mineToken).queryParam("tenantId", theirs.toString()).get("/v1/usage").then().statusCode(404);
        as(mineToken).get("/v1/invoices").then().statusCode(200)
                .body("items.size()", equalTo(1)).body("items[0].tenantId", equalTo(mine.toString()));
        as(mineToken).queryParam("tenantId", theirs.toString()).get("/v1/invoices").then().statusCode(404);
        as(mineToken).get("/v1/invoices/" + theirInvoice).then().statusCode(404).contentType("application/problem+json");
        as(mineToken).accept("text/csv").get("/v1/invoices/" + theirInvoice).then().statusCode(404);
        as(mineToken).get("/v1/invoices/" + theirInvoice + "/focus").then().statusCode(404);
        as(Tokens.tenant(theirs)).get("/v1/invoices/" + theirInvoice).then().statusCode(200);
    }

    @Test
    void aTenantCannotRunFinance() {
        for (Call call : financeOnly()) {
            call.send(mineToken).then().statusCode(403);
        }
    }

    @Test
    void theSchedulerMayCallNoFinanceEndpoint() {
        for (Call call : everything()) {
            call.send(Tokens.scheduler()).then().statusCode(403);
        }
    }

    @Test
    void withoutATokenEveryFinanceEndpointIs401() {
        for (Call call : everything()) {
            call.send(null).then().statusCode(401);
        }
    }

    @Test
    void adminReadsUsageAndInvoicesButDoesNotRunFinance() {
        as(Tokens.admin()).get("/v1/usage").then().statusCode(200);
        as(Tokens.admin()).get("/v1/invoices/" + theirInvoice).then().statusCode(200);
        as(Tokens.admin()).get("/v1/commitments").then().statusCode(200);
        as(Tokens.admin()).body(Map.of("tenantId", theirs.toString(), "period", "2024-08")).post("/v1/invoices").then().statusCode(403);
        as(Tokens.admin()).get("/v1/rate-cards").then().statusCode(403);
        as(Tokens.admin()).get("/v1/reconciliations").then().statusCode(403);
    }

    /** One request to an endpoint, with the given Authorization header (or none). */
    interface Call {
        io.restassured.response.Response send(String authorization);
    }

    private List<Call> financeOnly() {
        String body = "{\"tenantId\":\"" + theirs + "\",\"period\":\"2024-07\",\"reason\":\"x\"}";
        return List.of(
                auth -> req(auth).body(body).post("/v1/usage/reprocess"),
                auth -> req(auth).get("/v1/rate-cards"),
                auth -> req(auth).body("{}").post("/v1/rate-cards"),
                auth -> req(auth).get("/v1/rate-cards/" + UUID.randomUUID()),
                auth -> req(auth).body(CommitmentApiTest.reservation(theirs)).post("/v1/commitments"),
                auth -> req(auth).body("{\"tenantId\":\"" + theirs + "\",\"period\":\"2024-07\"}").post("/v1/invoices"),
                auth -> req(auth).post("/v1/invoices/" + theirInvoice + "/finalize"),
                auth -> req(auth).contentType("text/csv").body("x").post("/v1/bill-imports?provider=aws"),
                auth -> req(auth).get("/v1/bill-imports"),
                auth -> req(auth).get("/v1/bill-imports/" + UUID.randomUUID()),
                auth -> req(auth).body("{\"provider\":\"aws\",\"period\":\"2024-07\"}").post("/v1/reconciliations"),
                auth -> req(auth).get("/v1/reconciliations"),
                auth -> req(auth).get("/v1/reconciliations/recon-x"),
                auth -> req(auth).get("/v1/reconciliations/recon-x/report.csv"),
                auth -> req(auth).get("/v1/reconciliations/recon-x/report.html"),
                auth -> req(auth).post("/v1/reconciliations/recon-x/mark-reconciled"),
                auth -> req(auth).get("/v1/reconciliations/recon-x/discrepancies/1"),
                auth -> req(auth).body("{\"note\":\"x\"}").post("/v1/reconciliations/recon-x/discrepancies/1/reconciled"),
                auth -> req(auth).body("{\"period\":\"2024-07\"}").post("/v1/invoice-runs"),
                auth -> req(auth).get("/v1/jobs/runs"),
                auth -> req(auth).get("/v1/jobs/runs/" + UUID.randomUUID()));
    }

    private List<Call> everything() {
        List<Call> all = new java.util.ArrayList<>(financeOnly());
        all.add(auth -> req(auth).get("/v1/usage"));
        all.add(auth -> req(auth).get("/v1/invoices"));
        all.add(auth -> req(auth).get("/v1/invoices/" + theirInvoice));
        all.add(auth -> req(auth).get("/v1/invoices/" + theirInvoice + "/focus"));
        all.add(auth -> req(auth).get("/v1/commitments"));
        all.add(auth -> req(auth).get("/v1/commitments/" + UUID.randomUUID()));
        return all;
    }

    private static io.restassured.specification.RequestSpecification req(String authorization) {
        var spec = RestAssured.given().contentType("application/json");
        return authorization == null ? spec : spec.header("Authorization", authorization);
    }
}
