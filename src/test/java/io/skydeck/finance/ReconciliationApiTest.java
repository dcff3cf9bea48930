package io.skydeck.finance;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.skydeck.finance.FinanceFixtures.Event;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.finance.FinanceFixtures.json;
import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/**
 * Skydeck's metering of four EC2 instances against an AWS CUR for June 2025: one agrees, one
 * was billed for more time than metered, one is not on the bill, and one on the bill is unknown.
 */
@QuarkusTest
public class ReconciliationApiTest {

    @Inject
    AgroalDataSource db;

    @Test
    void eachKeyIsClassifiedTotalledReportedAndThePeriodMarkedReconciled() {
        UUID tenant = createTenant(uniqueName("recon"));
        FinanceFixtures.insert(db, List.of(
                requested(event(tenant, "i-match", "REQUESTED", "2025-06-02T09:59:30Z")),
                event(tenant, "i-match", "CREATED", "2025-06-02T10:00:00Z"), event(tenant, "i-match", "DELETED", "2025-06-02T11:00:00Z"),
                event(tenant, "i-short", "CREATED", "2025-06-02T10:00:00Z"), event(tenant, "i-short", "DELETED", "2025-06-02T10:30:00Z"),
                event(tenant, "i-unbilled", "CREATED", "2025-06-02T10:00:00Z"),
                event(tenant, "i-unbilled", "DELETED", "2025-06-02T11:00:00Z")));
        as(Tokens.finance()).body(Map.of("tenantId", tenant.toString(), "period", "2025-06", "reason", "close June"))
                .post("/v1/usage/reprocess").then().statusCode(200);
        // What Skydeck expects AWS to charge: the general (not tenant) card's price of an m5.large hour.
        as(Tokens.finance()).body(Map.of("name", uniqueName("aws-cost"), "provider", "aws", "region", "eu-west-1", "currency", "USD",
                        "effectiveFrom", "2025-01-01T00:00:00Z",
                        "rates", List.of(Map.of("meter", "SERVER_HOURS", "flavor", "m5.large",
                                "price", Map.of("type", "per-unit", "unitPrice", 0.107)))))
                .post("/v1/rate-cards").then().statusCode(201);
        String hour = "2025-06-02T10:00:00Z,2025-06-02T11:00:00Z";
        String cur = BillImportApiTest.CUR_LEGACY_HEADER
                + "r1,111,222,Usage," + hour + ",AmazonEC2,EUW1-BoxUsage:m5.large,i-match,1,USD,0.107,0.107,eu-west-1\n"
                + "r2,111,222,Usage," + hour + ",AmazonEC2,EUW1-BoxUsage:m5.large,i-short,1,USD,0.107,0.107,eu-west-1\n"
                + "r3,111,222,Usage," + hour + ",AmazonEC2,EUW1-BoxUsage:m5.large,i-orphan,1,USD,0.107,0.107,eu-west-1\n"
                + "r4,111,222,Tax,2025-06-01T00:00:00Z,2025-07-01T00:00:00Z,AmazonEC2,,,,USD,0.05,,\n";
        BillImportApiTest.upload("aws", "text/csv", cur.getBytes(StandardCharsets.UTF_8)).then().statusCode(201);

        Response accepted = as(Tokens.finance()).body(Map.of("provider", "aws", "period", "2025-06")).post("/v1/reconciliations")
                .then().statusCode(202).body("job", equalTo("reconciliation-requested")).body("outcome", equalTo("QUEUED"))
                .extract().response();
        String runId = accepted.path("id");
        assertThat(accepted.header("Location")).endsWith("/v1/jobs/runs/" + runId);
        String id = awaitReconciliation(runId);
        Response created = as(Tokens.finance()).get("/v1/reconciliations/" + id).then().statusCode(200).extract().response();
        assertThat(created.<Map<String, Integer>>path("run.counts")).containsEntry("MATCHED", 1).containsEntry("QUANTITY_MISMATCH", 1)
                .containsEntry("MISSING_FROM_PROVIDER_BILL", 1).containsEntry("UNKNOWN_TO_SKYDECK", 1)
                .containsEntry("PRICE_MISMATCH", 0).containsEntry("COMMITMENT_DISCOUNT_EFFECT", 0);
        assertThat(created.<Integer>path("run.billLinesRead")).isEqualTo(4);
        assertThat(created.<Integer>path("run.accountLevelLines")).isEqualTo(1);

        Response run = as(Tokens.finance()).get("/v1/reconciliations/" + id).then().statusCode(200).extract().response();
        JsonPath r = json(run);
        assertThat(r.getString("discrepancies.find { it.resourceId == 'i-match' }.kind")).isEqualTo("MATCHED");
        assertThat(r.getString("discrepancies.find { it.resourceId == 'i-short' }.kind")).isEqualTo("QUANTITY_MISMATCH");
        assertThat(r.getString("discrepancies.find { it.resourceId == 'i-unbilled' }.kind")).isEqualTo("MISSING_FROM_PROVIDER_BILL");
        assertThat(r.getString("discrepancies.find { it.resourceId == 'i-orphan' }.kind")).isEqualTo("UNKNOWN_TO_SKYDECK");
        assertThat(r.getString("discrepancies.find { it.resourceId == 'i-short' }.usageType")).isEqualTo("BoxUsage:m5.large");
        // Skydeck expects 0.5 h of i-short at 0.107; AWS billed a whole hour.
        assertThat(r.getObject("discrepancies.find { it.resourceId == 'i-short' }.skydeckQuantity", java.math.BigDecimal.class))
                .isEqualByComparingTo("0.5");
        assertThat(r.getObject("discrepancies.find { it.resourceId == 'i-short' }.providerQuantity", java.math.BigDecimal.class))
                .isEqualByComparingTo("1");
        // By tenant: ours is 1 + 0.5 + 1 hours at 0.107 = 0.2675 (list = effective, no commitments);
        // the orphan and the tax are nobody's.
        assertThat(r.getObject("run.totals.byTenant.'" + tenant + "'.skydeckEffective", java.math.BigDecimal.class))
                .isEqualByComparingTo("0.2675");
        assertThat(r.getObject("run.totals.byTenant.'(unallocated)'.providerEffective", java.math.BigDecimal.class))
                .isEqualByComparingTo("0.157");
        assertThat(r.getObject("run.totals.byProvider.aws.providerEffective", java.math.BigDecimal.class))
                .isEqualByComparingTo("0.371");

        String csv = as(Tokens.finance()).get("/v1/reconciliations/" + id + "/report.csv").then().statusCode(200)
                .contentType(containsString("text/csv")).extract().asString();
        assertThat(csv.split("\r\n")).hasSize(1 + 4);
        assertThat(csv).startsWith("Seq,Kind,ResourceId,UsageType").contains("UNKNOWN_TO_SKYDECK,i-orphan");
        as(Tokens.finance()).get("/v1/reconciliations/" + id + "/report.html").then().statusCode(200)
                .contentType(containsString("text/html"))
                .body(containsString("Reconciliation of aws, 2025-06"))
                .body(containsString("i-orphan")).body(containsString("QUANTITY_MISMATCH"))
                .body(containsString("Not yet marked reconciled"));

        as(Tokens.finance()).post("/v1/reconciliations/" + id + "/mark-reconciled").then().statusCode(200)
                .body("reconciledBy", equalTo("finance@test")).body("reconciledAt", notNullValue());
        as(Tokens.finance()).post("/v1/reconciliations/" + id + "/mark-reconciled").then().statusCode(409)
                .contentType("application/problem+json");
        as(Tokens.finance()).get("/v1/reconciliations/" + id + "/report.html").then()
                .body(containsString("Marked reconciled by finance@test"));
    }

    @Test
    void anAwsProviderNotNamedAwsIsReconciledByAwsRules() {
        UUID tenant = createTenant(uniqueName("recon-prod"));
        String provider = "aws-prod";
        FinanceFixtures.insert(db, List.of(
                event(tenant, provider, "i-prod", "CREATED", "2025-07-02T10:00:00Z"),
                event(tenant, provider, "i-prod", "DELETED", "2025-07-02T11:00:00Z")));
        as(Tokens.finance()).body(Map.of("tenantId", tenant.toString(), "period", "2025-07", "reason", "close July"))
                .post("/v1/usage/reprocess").then().statusCode(200);
        as(Tokens.finance()).body(Map.of("name", uniqueName("aws-prod-cost"), "provider", provider, "region", "eu-west-1",
                        "currency", "USD", "effectiveFrom", "2025-01-01T00:00:00Z",
                        "rates", List.of(Map.of("meter", "SERVER_HOURS", "flavor", "m5.large",
                                "price", Map.of("type", "per-unit", "unitPrice", 0.107)))))
                .post("/v1/rate-cards").then().statusCode(201);
        String hour = "2025-07-02T10:00:00Z,2025-07-02T11:00:00Z";
        String cur = BillImportApiTest.CUR_LEGACY_HEADER
                + "p1,111,222,Usage," + hour + ",AmazonEC2,EUW1-BoxUsage:m5.large,i-prod,1,USD,0.107,0.107,eu-west-1\n";
        BillImportApiTest.upload(provider, "text/csv", cur.getBytes(StandardCharsets.UTF_8)).then().statusCode(201);

        String runId = as(Tokens.finance()).body(Map.of("provider", provider, "period", "2025-07")).post("/v1/reconciliations")
                .then().statusCode(202).extract().path("id");
        Response created = as(Tokens.finance()).get("/v1/reconciliations/" + awaitReconciliation(runId)).then().statusCode(200)
                .extract().response();

        // AWS rules: the metered hour is "BoxUsage:m5.large", as the CUR's EUW1-BoxUsage:m5.large reads;
        // by other providers' rules it would be "SERVER_HOURS:m5.large", and both lines would go unmatched.
        assertThat(created.<Map<String, Integer>>path("run.counts")).containsEntry("MATCHED", 1)
                .containsEntry("MISSING_FROM_PROVIDER_BILL", 0).containsEntry("UNKNOWN_TO_SKYDECK", 0);
        JsonPath r = json(created);
        assertThat(r.getString("discrepancies.find { it.resourceId == 'i-prod' }.usageType")).isEqualTo("BoxUsage:m5.large");
    }

    @Test
    void aBadRequestIsAClientError() {
        as(Tokens.finance()).body(Map.of("provider", "aws", "period", "June")).post("/v1/reconciliations").then().statusCode(400)
                .body("errors[0].field", equalTo("period"));
        as(Tokens.finance()).body(Map.of("provider", "aws", "period", "2025-06", "granularity", "WEEK")).post("/v1/reconciliations")
                .then().statusCode(400).body("errors[0].field", equalTo("granularity"));
        as(Tokens.finance()).get("/v1/reconciliations/recon-nope").then().statusCode(404);
    }

    /** Polls the queued run (bounded) until it SUCCEEDED; returns the reconciliation it made. */
    public static String awaitReconciliation(String jobRunId) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Response run = as(Tokens.finance()).get("/v1/jobs/runs/" + jobRunId).then().statusCode(200).extract().response();
            String outcome = run.path("outcome");
            if ("SUCCEEDED".equals(outcome)) {
                return run.path("counts.reconciliationId");
            }
            assertThat(outcome).as("run %s: %s", jobRunId, run.asString()).isIn("QUEUED", "RUNNING");
            assertThat(System.nanoTime()).as("run %s still %s after 60 s", jobRunId, outcome).isLessThan(deadline);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** A request is recorded before the provider has named the instance. */
    private static Event requested(Event e) {
        return new Event(e.tenantId(), e.resourceId(), e.kind(), e.at(), e.provider(), e.region(), null, e.flavor(), e.vcpuMillis(),
                e.memoryMib());
    }

    private static Event event(UUID tenant, String instance, String kind, String at) {
        return event(tenant, "aws", instance, kind, at);
    }

    private static Event event(UUID tenant, String provider, String instance, String kind, String at) {
        return new Event(tenant, UUID.nameUUIDFromBytes((tenant + instance).getBytes(StandardCharsets.UTF_8)), kind, Instant.parse(at),
                provider, "eu-west-1", instance, "m5.large", 2000, 8192);
    }
}
