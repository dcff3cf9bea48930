package io.skydeck.tenancy;

import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.skydeck.platform.changes.TenantChanges;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

/**
 * A request's tenant and project are read once and used again while unchanged: read again after a
 * change through the API (by the very next request on this replica) and after one made by plain SQL
 * on another connection, as another replica's would be (once V56's notification arrives).
 */
@QuarkusTest
class ActingTenantsTest {

    @Inject
    ActingTenants acting;

    @Inject
    TenantService tenants;

    @Inject
    TenantChanges changes;

    @Inject
    AgroalDataSource db;

    @Test
    void keptRowsAreReadAgainOnlyAfterTheTenantsRowsChange() throws SQLException {
        awaitTrue(changes::live, "the watch listens");
        UUID tenant = createTenant(uniqueName("acting"));
        UUID bystander = createTenant(uniqueName("actingby"));
        AtomicInteger reads = new AtomicInteger();
        java.util.function.Supplier<Tenant> read = () -> {
            reads.incrementAndGet();
            // A session of its own, as each request has: the test's would answer the entity it read first.
            return QuarkusTransaction.requiringNew().call(() -> tenants.find(tenant).orElseThrow());
        };

        Tenant first = acting.tenant(tenant, read);
        assertThat(acting.tenant(tenant, read)).as("the second look-up").isSameAs(first);
        assertThat(reads).hasValue(1);

        // Another tenant's row changes: this tenant's is still kept.
        TenantChanges.Mark theirs = changes.mark(TenantChanges.Channel.TENANTS, bystander);
        sql("UPDATE tenant SET display_name = 'changed elsewhere' WHERE id = ?", bystander);
        awaitTrue(() -> !changes.unchanged(TenantChanges.Channel.TENANTS, bystander, theirs), "the bystander's change is notified");
        assertThat(acting.tenant(tenant, read)).isSameAs(first);
        assertThat(reads).hasValue(1);

        // Behind the API's back, as another replica would: read again once PostgreSQL tells this one.
        sql("UPDATE tenant SET status = 'SUSPENDED' WHERE id = ?", tenant);
        awaitTrue(() -> acting.tenant(tenant, read).status() == Tenant.Status.SUSPENDED, "the suspension is seen");
        assertThat(reads).hasValue(2);
        assertThat(acting.tenant(tenant, read).status()).isEqualTo(Tenant.Status.SUSPENDED);
        assertThat(reads).as("kept again after the read").hasValue(2);
    }

    @Test
    void aSuspensionThroughTheApiRefusesTheVeryNextCreate() {
        UUID tenant = createTenant(uniqueName("actingsus"), quota(8, 16, 4, 0, 0, 1));
        UUID project = createProject(tenant, "apps");
        String token = Tokens.tenant(tenant);
        // A create that reads the tenant and project, then fails on its flavor: the rows are kept, nothing is made.
        as(token).body(serverIn(project, "nope")).post("/v1/servers").then().statusCode(400).body("detail", containsString("flavor"));
        as(Tokens.admin()).body(Map.of("status", "SUSPENDED")).patch("/v1/tenants/" + tenant).then().statusCode(200);
        as(token).body(serverIn(project, "m1.small")).post("/v1/servers")
                .then().statusCode(409).body("detail", containsString("suspended"));
    }

    @Test
    void aProjectDeletedElsewhereIsNotFoundOnceNotified() throws SQLException {
        UUID tenant = createTenant(uniqueName("actingprj"), quota(8, 16, 4, 0, 0, 1));
        UUID project = createProject(tenant, "short-lived");
        String token = Tokens.tenant(tenant);
        as(token).body(serverIn(project, "nope")).post("/v1/servers").then().statusCode(400).body("detail", containsString("flavor"));
        sql("DELETE FROM project WHERE id = ?", project);
        awaitTrue(() -> as(token).body(serverIn(project, "nope")).post("/v1/servers").statusCode() == 404,
                "the deleted project is not found");
    }

    private static Map<String, Object> serverIn(UUID project, String flavor) {
        return Map.of("projectId", project.toString(), "name", "acting", "flavor", flavor, "image", "debian-12", "hints", Map.of());
    }

    private void sql(String statement, UUID id) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(statement)) {
            s.setObject(1, id);
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
    }
}
