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
 * Every create of a tenant queues on a share of the tenant's usage (V60), so the pipeline locks it last:
 * the reservation's row is written first (the resource's row refers to it), the counters move after
 * every other row. Seen from inside the create's own transaction: a trigger on the REQUESTED
 * lifecycle event (written near the end of the pipeline) counts the tenant's quota rows that this
 * transaction has already locked or updated. It was one per quota dimension the server takes while
 * the counters moved at the reservation; it is none now, and the counters still moved by the commit.
 */
@QuarkusTest
class QuotaLockSpanTest {

    @Inject
    AgroalDataSource dataSource;

    @Test
    void theTenantsQuotaRowsAreLockedOnlyAfterTheCreatesOtherRows() throws SQLException {
        UUID tenant = createTenant(uniqueName("span"), quota(8, 32, 4, 4, 1));
        UUID project = createProject(tenant, "apps");
        execute("CREATE TABLE quota_span_probe (tenant_id uuid, resource_type text, quota_rows_locked bigint)");
        try {
            // A row this transaction locked shows its id as xmax; one it updated is a new version with its id as xmin.
            execute("""
                    CREATE FUNCTION quota_span_probe() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                      INSERT INTO quota_span_probe
                      SELECT NEW.tenant_id, NEW.resource_type, count(*) FROM quota_share q
                       WHERE q.tenant_id = NEW.tenant_id
                         AND (q.xmin::text = (txid_current() % 4294967296)::text
                              OR q.xmax::text = (txid_current() % 4294967296)::text);
                      RETURN NEW;
                    END $$""");
            execute("""
                    CREATE TRIGGER quota_span_probe AFTER INSERT ON lifecycle_event
                    FOR EACH ROW WHEN (NEW.kind = 'REQUESTED') EXECUTE FUNCTION quota_span_probe()""");

            as(Tokens.tenant(tenant)).body(Map.of("projectId", project.toString(), "name", "one", "flavor", "m1.large",
                    "image", "debian-12")).post("/v1/servers").then().statusCode(202);

            assertThat(probes(tenant)).as("quota rows locked by the create's transaction when its REQUESTED event was written")
                    .containsExactly("server=0");
            as(Tokens.tenant(tenant)).get("/v1/tenants/" + tenant + "/quota").then().statusCode(200)
                    .body("used.vcpu", equalTo(4)).body("used.servers", equalTo(1));
        } finally {
            execute("DROP TRIGGER IF EXISTS quota_span_probe ON lifecycle_event");
            execute("DROP FUNCTION IF EXISTS quota_span_probe()");
            execute("DROP TABLE IF EXISTS quota_span_probe");
        }
    }

    @Test
    void anIdempotentCreateStoresItsResponseBeforeTheQuotaRowsAreLocked() throws SQLException {
        UUID tenant = createTenant(uniqueName("spanidem"), quota(8, 32, 4, 4, 1));
        UUID project = createProject(tenant, "apps");
        execute("CREATE TABLE quota_span_probe_idem (tenant_id uuid, quota_rows_locked bigint)");
        try {
            // The stored response goes in the quota statement's round trip, before it: for a server's create in the key's
            // claim, first in that round trip (an INSERT, V59); for other POSTs the key row's UPDATE.
            execute("""
                    CREATE FUNCTION quota_span_probe_idem() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                      INSERT INTO quota_span_probe_idem
                      SELECT t.id, count(q.*) FROM tenant t LEFT JOIN quota_share q ON q.tenant_id = t.id
                         AND (q.xmin::text = (txid_current() % 4294967296)::text
                              OR q.xmax::text = (txid_current() % 4294967296)::text)
                       WHERE NEW.scope LIKE '%' || t.id::text GROUP BY t.id;
                      RETURN NEW;
                    END $$""");
            execute("""
                    CREATE TRIGGER quota_span_probe_idem AFTER INSERT OR UPDATE ON idempotency_record
                    FOR EACH ROW WHEN (NEW.status IS NOT NULL) EXECUTE FUNCTION quota_span_probe_idem()""");

            as(Tokens.tenant(tenant)).header("Idempotency-Key", "span-" + tenant).body(Map.of("projectId", project.toString(),
                    "name", "one", "flavor", "m1.large", "image", "debian-12")).post("/v1/servers").then().statusCode(202);

            assertThat(LockSpanProbes.probes(dataSource, "SELECT 'server', quota_rows_locked FROM quota_span_probe_idem WHERE tenant_id = ?",
                    tenant)).as("quota rows locked by the create's transaction when its response was stored").containsExactly("server=0");
            as(Tokens.tenant(tenant)).get("/v1/tenants/" + tenant + "/quota").then().statusCode(200)
                    .body("used.vcpu", equalTo(4)).body("used.servers", equalTo(1));
        } finally {
            execute("DROP TRIGGER IF EXISTS quota_span_probe_idem ON idempotency_record");
            execute("DROP FUNCTION IF EXISTS quota_span_probe_idem()");
            execute("DROP TABLE IF EXISTS quota_span_probe_idem");
        }
    }

    private List<String> probes(UUID tenant) throws SQLException {
        return LockSpanProbes.probes(dataSource,
                "SELECT resource_type, quota_rows_locked FROM quota_span_probe WHERE tenant_id = ? AND resource_type = 'server'", tenant);
    }

    private void execute(String sql) throws SQLException {
        LockSpanProbes.execute(dataSource, sql);
    }
}
