package io.skydeck.provisioning;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Every create placed on a host queues on that host's ledger row until the holder commits, so the
 * pipeline locks it as late as it can: after the server's row, its decision, operation, REQUESTED
 * event and audit entry, just before the tenant's quota counters. Seen from inside the create's own
 * transaction by two triggers that count the {@code placement_host} rows this transaction has
 * locked ({@code FOR UPDATE} leaves its id as the row's xmax): none when the REQUESTED event is
 * written, one when the quota counters move. The host's lock was taken first, before every other
 * row, until 2026-12-03; then the creates of a packed host queued on it for a whole pipeline each.
 */
@QuarkusTest
class HostLockSpanTest {

    @Inject
    AgroalDataSource dataSource;

    @Test
    void theHostsLedgerRowIsLockedOnlyAfterTheCreatesOtherRowsAndBeforeTheQuotaCounters() throws SQLException {
        UUID tenant = createTenant(uniqueName("host-span"), quota(8, 32, 4, 4, 1));
        UUID project = createProject(tenant, "apps");
        execute("CREATE TABLE host_span_probe (tenant_id uuid, step text, host_rows_locked bigint)");
        try {
            execute("""
                    CREATE FUNCTION host_span_probe() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                      INSERT INTO host_span_probe
                      SELECT NEW.tenant_id, TG_ARGV[0], count(*) FROM placement_host h
                       WHERE h.xmax::text = (txid_current() % 4294967296)::text;
                      RETURN NEW;
                    END $$""");
            execute("""
                    CREATE TRIGGER host_span_probe AFTER INSERT ON lifecycle_event
                    FOR EACH ROW WHEN (NEW.kind = 'REQUESTED' AND NEW.resource_type = 'server')
                    EXECUTE FUNCTION host_span_probe('requested-event')""");
            execute("""
                    CREATE TRIGGER host_span_probe AFTER UPDATE ON quota_share
                    FOR EACH ROW WHEN (NEW.used IS DISTINCT FROM OLD.used) EXECUTE FUNCTION host_span_probe('quota-counters')""");

            as(Tokens.tenant(tenant)).body(Map.of("projectId", project.toString(), "name", "one", "flavor", "m1.large",
                    "image", "debian-12")).post("/v1/servers").then().statusCode(202);

            assertThat(probes(tenant)).as("placement_host rows locked by the create's transaction at each step")
                    .contains("requested-event=0", "quota-counters=1")
                    .doesNotContain("requested-event=1", "quota-counters=0");
            as(Tokens.tenant(tenant)).get("/v1/tenants/" + tenant + "/quota").then().statusCode(200)
                    .body("used.vcpu", equalTo(4)).body("used.servers", equalTo(1));
        } finally {
            execute("DROP TRIGGER IF EXISTS host_span_probe ON lifecycle_event");
            execute("DROP TRIGGER IF EXISTS host_span_probe ON quota_share");
            execute("DROP FUNCTION IF EXISTS host_span_probe()");
            execute("DROP TABLE IF EXISTS host_span_probe");
        }
    }

    private List<String> probes(UUID tenant) throws SQLException {
        return LockSpanProbes.probes(dataSource, "SELECT step, host_rows_locked FROM host_span_probe WHERE tenant_id = ?", tenant);
    }

    private void execute(String sql) throws SQLException {
        LockSpanProbes.execute(dataSource, sql);
    }
}
