package io.skydeck.finance;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.skydeck.finance.jobs.FinanceJobs;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A committed bill import schedules, on Quartz, the reconciliation of its provider for each month
 * the file covers; nobody calls the job here, the scheduler fires it.
 */
@QuarkusTest
class ReconciliationAfterImportTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @Test
    void aBillSpanningTwoMonthsIsReconciledForBothSoonAfterItsImport() throws InterruptedException {
        String provider = uniqueName("after-import");
        String focus = "BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ProviderName,ResourceId,"
                + "ServiceName,SkuId,BilledCost,EffectiveCost,ListCost,ConsumedQuantity,ConsumedUnit,BillingCurrency\n"
                + "2024-08-01T00:00:00Z,2024-09-01T00:00:00Z,2024-08-31T23:00:00Z,2024-09-01T00:00:00Z,Usage,Sandbox,vm-late,Compute,"
                + "SERVER_HOURS:m1.large,0.08,0.08,0.08,1,Hour,USD\n"
                + "2024-09-01T00:00:00Z,2024-10-01T00:00:00Z,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,Usage,Sandbox,vm-late,Compute,"
                + "SERVER_HOURS:m1.large,0.08,0.08,0.08,1,Hour,USD\n";
        String importId = BillImportApiTest.upload(provider, "text/csv", focus.getBytes(StandardCharsets.UTF_8)).then().statusCode(201)
                .extract().path("id");

        Map<String, Object> jobRun = awaitJobRunOf(importId);

        assertThat(jobRun).containsEntry("outcome", "SUCCEEDED");
        assertThat((Map<String, Object>) ((Map<String, Object>) jobRun.get("counts")).get("runs"))
                .containsOnlyKeys(provider + " 2024-08", provider + " 2024-09");
        List<Map<String, Object>> runs = as(Tokens.finance()).queryParam("provider", provider).get("/v1/reconciliations")
                .then().statusCode(200).extract().jsonPath().getList("items");
        // One bill line in each month, and Skydeck metered nothing of this provider: both unknown to Skydeck.
        assertThat(runs).extracting(r -> r.get("period")).containsExactlyInAnyOrder("2024-08", "2024-09");
        assertThat(runs).allSatisfy(r -> {
            assertThat(r.get("createdBy")).isEqualTo("skydeck");
            assertThat(r.get("billLinesRead")).isEqualTo(1);
            assertThat((Map<String, Integer>) r.get("counts")).containsEntry("UNKNOWN_TO_SKYDECK", 1);
        });
    }

    /** Polls the job-run history until the run for this import has finished, for at most {@link #PATIENCE}. */
    private static Map<String, Object> awaitJobRunOf(String importId) throws InterruptedException {
        Instant deadline = Instant.now().plus(PATIENCE);
        List<Object> latest = List.of();
        while (Instant.now().isBefore(deadline)) {
            Response history = as(Tokens.finance()).queryParam("job", FinanceJobs.RECONCILIATION_AFTER_IMPORT).queryParam("limit", 100)
                    .get("/v1/jobs/runs").then().statusCode(200).extract().response();
            JsonPath items = history.jsonPath();
            Map<String, Object> run = items.getMap("items.find { it.counts != null && it.counts.importId == '" + importId + "' }");
            if (run != null) {
                return run;
            }
            latest = items.getList("items");
            Thread.sleep(200);
        }
        throw new AssertionError("no finished reconciliation of import " + importId + " after " + PATIENCE.toSeconds()
                + " s; latest runs: " + latest);
    }
}
