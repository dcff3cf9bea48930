package io.skydeck.finance;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.finance.FinanceFixtures.Event;
import io.skydeck.finance.jobs.FinanceJobs;
import io.skydeck.finance.jobs.JobRuns;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;

/** The scheduled jobs, triggered directly (their schedules are off in tests). */
@QuarkusTest
class FinanceJobsTest {

    @Inject
    FinanceJobs jobs;

    @Inject
    AgroalDataSource db;

    @Test
    void aKilledRunIsMarkedAbandonedAndTheNextRunMetersTheCurrentMonth() {
        UUID killed = UUID.randomUUID();
        sql("INSERT INTO job_run (id, job, started_at, outcome) VALUES (?, 'metering-close', now() - interval '2 hours', 'RUNNING')", killed);
        UUID tenant = createTenant(uniqueName("hourly"));
        Instant twoHoursAgo = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        FinanceFixtures.insert(db, List.of(new Event(tenant, UUID.randomUUID(), "CREATED", twoHoursAgo, "sandbox", "sbx-east-1",
                "srv-job", "m1.small", 1000, 2048)));

        JobRuns.JobRun run = jobs.closeMetering();

        assertThat(run.outcome()).isEqualTo("SUCCEEDED");
        assertThat(run.finishedAt()).isNotNull();
        assertThat(((Number) run.counts().get("records")).longValue()).isPositive();
        assertThat(FinanceFixtures.count(db, "SELECT count(*) FROM job_run WHERE id = ? AND outcome = 'ABANDONED'", killed)).isEqualTo(1);
        // Running since two hours ago: the hour it started, the full hour after, and the hour running now.
        as(Tokens.tenant(tenant)).queryParam("meter", "SERVER_HOURS").get("/v1/usage").then()
                .statusCode(200).body("items.size()", greaterThanOrEqualTo(2));
        as(Tokens.finance()).queryParam("job", "metering-close").get("/v1/jobs/runs").then().statusCode(200)
                .body("items.id", hasItem(run.id().toString())).body("items[0].outcome", equalTo("SUCCEEDED"));
    }

    @Test
    void aFailingJobRecordsWhyAndKeepsNothingOfItsWork() {
        // Two of the tenant's meters are priced in different currencies: last month's invoice cannot
        // be drafted, so the whole invoicing run fails, including the metering close it did first.
        UUID tenant = createTenant(uniqueName("two-currencies"));
        BillingPeriod last = new BillingPeriod(BillingPeriod.containing(Instant.now()).month().minusMonths(1));
        Instant start = last.start().plus(1, ChronoUnit.DAYS);
        FinanceFixtures.insert(db, List.of(
                new Event(tenant, UUID.randomUUID(), "CREATED", start, "sandbox", "sbx-west-1", "srv-x", "m1.small", 1000, 2048),
                new Event(tenant, UUID.randomUUID(), "CREATED", start, "sandbox", "sbx-west-1", "srv-y", "m1.small", 1000, 2048)));
        card(tenant, "USD", "SERVER_HOURS");
        card(tenant, "EUR", "VCPU_HOURS");

        JobRuns.JobRun run = jobs.draftLastMonth();

        assertThat(run.outcome()).isEqualTo("FAILED");
        assertThat(run.error()).contains("one invoice");
        assertThat(FinanceFixtures.count(db, "SELECT count(*) FROM usage_record WHERE tenant_id = ?", tenant)).isZero();
        assertThat(FinanceFixtures.count(db, "SELECT count(*) FROM invoice WHERE tenant_id = ?", tenant)).isZero();
    }

    @Test
    void anInvoiceRunIsQueuedAnsweredWith202AndRunOnceByTheScheduler() {
        UUID tenant = createTenant(uniqueName("invoice-run"));
        FinanceFixtures.insert(db, List.of(
                new Event(tenant, UUID.randomUUID(), "CREATED", Instant.parse("2023-04-03T10:00:00Z"), "sandbox", "sbx-west-1",
                        "srv-run", "m1.small", 1000, 2048),
                new Event(tenant, UUID.randomUUID(), "DELETED", Instant.parse("2023-04-03T12:00:00Z"), "sandbox", "sbx-west-1",
                        "srv-run", "m1.small", 1000, 2048)));

        var accepted = as(Tokens.finance()).body(Map.of("period", "2023-04")).post("/v1/invoice-runs").then().statusCode(202)
                .body("job", equalTo("invoice-run")).body("outcome", equalTo("QUEUED")).body("counts.period", equalTo("2023-04"))
                .extract().response();
        String runId = accepted.path("id");
        assertThat(accepted.header("Location")).endsWith("/v1/jobs/runs/" + runId);

        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        String outcome;
        do {
            outcome = as(Tokens.finance()).get("/v1/jobs/runs/" + runId).then().statusCode(200).extract().path("outcome");
            assertThat(System.nanoTime()).as("still " + outcome).isLessThan(deadline);
        } while (outcome.equals("QUEUED") || outcome.equals("RUNNING"));
        as(Tokens.finance()).get("/v1/jobs/runs/" + runId).then().statusCode(200).body("outcome", equalTo("SUCCEEDED"))
                .body("counts.period", equalTo("2023-04")).body("counts.drafted", greaterThanOrEqualTo(1))
                .body("finishedAt", org.hamcrest.Matchers.notNullValue());
        as(Tokens.finance()).queryParam("tenantId", tenant.toString()).queryParam("period", "2023-04").get("/v1/invoices").then()
                .statusCode(200).body("items.size()", equalTo(1)).body("items[0].status", equalTo("DRAFT"));

        // The scheduler firing again (a duplicate, or a recovery after it finished) does not run it twice.
        assertThat(jobs.runRequested(io.skydeck.finance.jobs.RequestedJobs.Kind.INVOICE_RUN, UUID.fromString(runId), false,
                Map.of("period", "2023-04"))).isEmpty();
        assertThat(jobs.runRequested(io.skydeck.finance.jobs.RequestedJobs.Kind.INVOICE_RUN, UUID.fromString(runId), true,
                Map.of("period", "2023-04"))).isEmpty();
        as(Tokens.finance()).get("/v1/jobs/runs/" + runId).then().body("outcome", equalTo("SUCCEEDED"));
    }

    @Test
    void anUnknownJobRunIsNotFound() {
        as(Tokens.finance()).get("/v1/jobs/runs/" + UUID.randomUUID()).then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void onlyFinanceAndAdminSeeJobRuns() {
        as(Tokens.finance()).get("/v1/jobs/runs").then().statusCode(200);
        as(Tokens.admin()).get("/v1/jobs/runs").then().statusCode(200);
        as(Tokens.scheduler()).get("/v1/jobs/runs").then().statusCode(403);
        as(Tokens.tenant(UUID.randomUUID())).get("/v1/jobs/runs").then().statusCode(403);
        io.restassured.RestAssured.get("/v1/jobs/runs").then().statusCode(401);
    }

    private static void card(UUID tenant, String currency, String meter) {
        as(Tokens.finance()).body(Map.of("name", uniqueName("cur-" + currency.toLowerCase()), "provider", "sandbox",
                        "region", "sbx-west-1", "currency", currency, "effectiveFrom", "2020-01-01T00:00:00Z",
                        "tenantId", tenant.toString(),
                        "rates", List.of(Map.of("meter", meter, "price", Map.of("type", "per-unit", "unitPrice", 0.01)))))
                .post("/v1/rate-cards").then().statusCode(201);
    }

    private void sql(String statement, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i] instanceof Instant t ? OffsetDateTime.ofInstant(t, ZoneOffset.UTC) : args[i]);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
