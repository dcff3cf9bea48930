package io.skydeck.finance;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

/**
 * Finance explains discrepancies one at a time: {@code POST /v1/reconciliations/{id}/discrepancies/{seq}/reconciled}
 * with a note, audited once, the first mark standing when it is sent again. The run is written
 * straight into the tables: what is tested is the mark, not the reconciler.
 */
@QuarkusTest
class DiscrepancyReconciledTest {

    @Inject
    AgroalDataSource db;

    @Test
    void financeMarksOneDiscrepancyWithANoteAndMarkingItAgainKeepsTheFirstMark() {
        String run = storedRun();
        String path = "/v1/reconciliations/" + run + "/discrepancies/2";
        as(Tokens.finance()).get(path).then().statusCode(200)
                .body("discrepancy.kind", equalTo("UNKNOWN_TO_SKYDECK")).body("reconciled", nullValue());

        Response first = as(Tokens.finance()).body(Map.of("note", "  credit note CN-17 in July ")).post(path + "/reconciled")
                .then().statusCode(200).extract().response();
        assertThat(first.<String>path("reconciledBy")).isEqualTo("finance@test");
        assertThat(first.<String>path("note")).isEqualTo("credit note CN-17 in July");
        Response again = as(Tokens.finance()).body(Map.of("note", "something else")).post(path + "/reconciled")
                .then().statusCode(200).extract().response();
        assertThat(again.<String>path("note")).isEqualTo("credit note CN-17 in July");
        assertThat(again.<String>path("reconciledAt")).isEqualTo(first.path("reconciledAt"));

        as(Tokens.finance()).get(path).then().statusCode(200).body("reconciled.note", equalTo("credit note CN-17 in July"));
        // Only discrepancy 2 is marked; 3 is not, and neither is the run as a whole.
        as(Tokens.finance()).get("/v1/reconciliations/" + run + "/discrepancies/3").then().body("reconciled", nullValue());
        as(Tokens.finance()).get("/v1/reconciliations/" + run).then().body("run.reconciledAt", nullValue());
        assertThat(FinanceFixtures.count(db, "SELECT count(*) FROM audit_log WHERE action = 'reconciliation.discrepancy-reconciled'"
                + " AND target_id = ?", run)).isEqualTo(1);
    }

    @Test
    void aMatchAMissingDiscrepancyABlankNoteAndATenantAreRefused() {
        String run = storedRun();
        String base = "/v1/reconciliations/" + run + "/discrepancies/";
        as(Tokens.finance()).body(Map.of("note", "fine")).post(base + "1/reconciled").then().statusCode(409)
                .contentType("application/problem+json");
        as(Tokens.finance()).body(Map.of("note", "fine")).post(base + "9/reconciled").then().statusCode(404)
                .contentType("application/problem+json");
        as(Tokens.finance()).body(Map.of("note", " ")).post(base + "2/reconciled").then().statusCode(400)
                .contentType("application/problem+json");
        as(Tokens.tenant(UUID.randomUUID())).body(Map.of("note", "mine")).post(base + "2/reconciled").then().statusCode(403);
        assertThat(FinanceFixtures.count(db, "SELECT count(*) FROM reconciliation_discrepancy_mark WHERE run_id = ?", run)).isZero();
    }

    /** A run with a match (1), a charge unknown to Skydeck (2) and one missing from the bill (3). */
    private String storedRun() {
        String id = "recon-" + UUID.randomUUID();
        try (Connection c = db.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO reconciliation_run (id, provider, billing_period, granularity, started_at, finished_at, metered_lines,
                        bill_lines, account_level_lines, counts, totals, created_by)
                    VALUES (?, 'aws', '2025-06', 'HOUR', now(), now(), 2, 2, 0, '{}', '{}', 'finance@test')""")) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO reconciliation_discrepancy (run_id, seq, kind, resource_id, usage_type, period_start)
                    VALUES (?, ?, ?, ?, 'BoxUsage:m5.large', '2025-06-01T00:00:00Z')""")) {
                String[][] rows = {{"MATCHED", "i-match"}, {"UNKNOWN_TO_SKYDECK", "i-orphan"}, {"MISSING_FROM_PROVIDER_BILL", "i-unbilled"}};
                for (int i = 0; i < rows.length; i++) {
                    ps.setString(1, id);
                    ps.setLong(2, i + 1);
                    ps.setString(3, rows[i][0]);
                    ps.setString(4, rows[i][1]);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return id;
    }
}
