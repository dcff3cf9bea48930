package io.skydeck.network;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.skydeck.platform.changes.TenantChanges;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitFinished;
import static io.skydeck.support.Operations.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The replica's topology watch against the real database: a committed change of a tenant's
 * topology (made by the API or by plain SQL on another connection) ends the tenant's marks through
 * the V52 notification, a rolled-back one does not, another tenant's does not, and a listening
 * connection killed by PostgreSQL ends every mark and is replaced.
 */
@QuarkusTest
class TopologyWatchTest {

    @Inject
    TopologyWatch watch;

    @Inject
    AgroalDataSource db;

    @Test
    void aCommittedChangeEndsTheTenantsMarksAndARolledBackOneDoesNot() throws SQLException {
        awaitTrue(watch::live, "the watch listens");
        UUID tenant = createTenant(uniqueName("watch"), quota(4, 8, 1, 0, 0, 1));
        UUID bystander = createTenant(uniqueName("watchby"), quota(4, 8, 1, 0, 0, 1));
        UUID project = createProject(tenant, "shop");

        TenantChanges.Mark before = watch.mark(tenant);
        TenantChanges.Mark bystanders = watch.mark(bystander);
        assertThat(before).isNotNull();
        assertThat(watch.unchanged(tenant, before)).isTrue();

        // The API's create inserts the network row in the request's transaction: its trigger notifies.
        var created = as(Tokens.tenant(tenant)).body(Map.of("projectId", project.toString(), "name", "watched",
                        "cidr", "10.91.0.0/16", "hints", Map.of("region", "sbx-east-1")))
                .post("/v1/networks").then().statusCode(202).extract();
        String network = created.path("resource.id");
        awaitTrue(() -> !watch.unchanged(tenant, before), "the tenant's mark ends after the create commits");
        assertThat(watch.unchanged(bystander, bystanders)).as("another tenant's mark").isTrue();
        // The runner goes on changing the network until its operation ends; then every notification of
        // those commits has arrived once one sent after them has (PostgreSQL delivers in commit order).
        awaitFinished(Tokens.tenant(tenant), created.path("operation.id"));
        drain();

        // A change rolled back notifies no one.
        TenantChanges.Mark settled = watch.mark(tenant);
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            touch(c, network);
            c.rollback();
            // A later, committed statement on the same connection: its notification would come after the rolled-back one's.
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_notify('" + TenantChanges.Channel.NETWORK_TOPOLOGY.name + "', '" + bystander + "')");
            }
            c.commit();
        }
        awaitTrue(() -> !watch.unchanged(bystander, bystanders), "the committed notification arrives");
        assertThat(watch.unchanged(tenant, settled)).as("the rolled-back change").isTrue();

        // The same change committed by plain SQL, as another replica's transaction would.
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            touch(c, network);
            c.commit();
        }
        awaitTrue(() -> !watch.unchanged(tenant, settled), "the committed change ends the mark");
    }

    @Test
    void aKilledConnectionEndsEveryMarkAndTheWatchListensAgain() throws SQLException {
        awaitTrue(watch::live, "the watch listens");
        UUID tenant = UUID.randomUUID();
        TenantChanges.Mark before = watch.mark(tenant);
        assertThat(watch.unchanged(tenant, before)).isTrue();

        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" + TenantChanges.APPLICATION_NAME + "'"
                    + " AND datname = current_database()");
        }
        // Nothing of the tenant changed, but notifications may have been lost while it was down: the mark is over.
        awaitTrue(() -> !watch.unchanged(tenant, before), "the broken connection ends the mark");
        awaitTrue(() -> watch.mark(tenant) != null, "the watch listens again");
        TenantChanges.Mark after = watch.mark(tenant);
        assertThat(after.epoch()).isGreaterThan(before.epoch());
        assertThat(watch.unchanged(tenant, after)).isTrue();
        assertThat(watch.unchanged(tenant, null)).as("a topology read while the watch could not vouch").isFalse();
    }

    /** Returns once every notification committed before the call has arrived. */
    private void drain() throws SQLException {
        UUID sentinel = UUID.randomUUID();
        TenantChanges.Mark mark = watch.mark(sentinel);
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_notify('" + TenantChanges.Channel.NETWORK_TOPOLOGY.name + "', '" + sentinel + "')");
        }
        awaitTrue(() -> !watch.unchanged(sentinel, mark), "the sentinel notification arrives");
    }

    private static void touch(Connection c, String network) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE network SET updated_at = now() WHERE id = ?")) {
            s.setObject(1, UUID.fromString(network));
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
    }
}
