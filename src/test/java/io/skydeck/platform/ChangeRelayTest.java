package io.skydeck.platform;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.skydeck.platform.changes.TenantChanges;
import io.skydeck.platform.changes.TenantChanges.Channel;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The change triggers write their notifications to {@code change_outbox} instead of sending them
 * (V62), so that no transaction that changes rows takes PostgreSQL's notification lock at its
 * commit; the replica's relay sends them. The outbox is unlogged and an update of a server row
 * writes its place once (V63). Against the real database.
 */
@QuarkusTest
class ChangeRelayTest {

    @Inject
    AgroalDataSource db;

    @Inject
    TenantChanges changes;

    @Test
    void noTriggerSendsANotificationFromTheTransactionThatChangesRows() throws SQLException {
        List<String> notifying = new ArrayList<>();
        List<String> writing = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("""
                     SELECT DISTINCT p.proname, p.prosrc LIKE '%pg_notify%', p.prosrc LIKE '%change_notify(%'
                     FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal""")) {
            while (r.next()) {
                if (r.getBoolean(2)) {
                    notifying.add(r.getString(1));
                }
                if (r.getBoolean(3)) {
                    writing.add(r.getString(1));
                }
            }
        }
        assertThat(notifying).as("trigger functions that call pg_notify").isEmpty();
        assertThat(writing).as("trigger functions that write to the outbox").containsExactlyInAnyOrder("notify_server_rows",
                "notify_server_rows_truncated", "bump_network_topology_version", "notify_tenant_rows", "notify_tenant_rows_truncated");
    }

    @Test
    void aChangeCommittedElsewhereIsRelayedAndLeavesTheOutbox() throws SQLException {
        awaitTrue(changes::live, "the watch listens");
        UUID tenant = createTenant(uniqueName("relay"));
        TenantChanges.Mark before = changes.mark(Channel.TENANTS, tenant);
        // As another replica (or an operator) would: a plain UPDATE on a connection of its own, which the service's entities never saw.
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "UPDATE tenant SET display_name = 'Relayed' WHERE id = ?")) {
            p.setObject(1, tenant);
            assertThat(p.executeUpdate()).isEqualTo(1);
        }
        awaitTrue(() -> !changes.unchanged(Channel.TENANTS, tenant, before), "the change is relayed to the watch");
        awaitTrue(() -> waiting(tenant) == 0, "the relayed notification left the outbox");
    }

    @Test
    void theRelayVacuumsTheOutboxItself() {
        // Its rows live milliseconds; autovacuum visits a table a minute apart at best, so the relay does (every 5 s).
        awaitTrue(() -> {
            try (Connection c = db.getConnection(); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'change_outbox'")) {
                return r.next() && r.getLong(1) > 0;
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }, "the outbox was vacuumed");
    }

    @Test
    void aRolledBackChangeLeavesNothingToRelay() throws SQLException {
        UUID tenant = createTenant(uniqueName("relayrb"));
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement p = c.prepareStatement("UPDATE tenant SET display_name = 'Never' WHERE id = ?")) {
                p.setObject(1, tenant);
                p.executeUpdate();
            }
            assertThat(waitingOn(c, tenant)).as("inside the changing transaction").isEqualTo(1);
            c.rollback();
        }
        assertThat(waiting(tenant)).isZero();
    }

    @Test
    void theOutboxWritesNothingToTheWal() throws SQLException {
        // Unlogged (V63): a crash empties it, and the same crash ends every listener's connection, which they take as a gap.
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT relpersistence FROM pg_class WHERE oid = 'change_outbox'::regclass")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getString(1)).as("relpersistence of change_outbox").isEqualTo("u");
        }
    }

    @Test
    void noVacuumOfTheOutboxWaitsForItsExclusiveLock() throws SQLException {
        // V64: truncating its emptied end needs the table's exclusive lock, which the inserts never leave free for long.
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT reloptions FROM pg_class WHERE oid = 'change_outbox'::regclass")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getString(1)).contains("vacuum_truncate=false");
        }
    }

    @Test
    void anUpdatedServerRowIsNotifiedOnce() throws SQLException {
        UUID tenant = createTenant(uniqueName("relaysrv"), quota(8, 32, 4, 1, 1));
        UUID project = createProject(tenant, "apps");
        String token = Tokens.tenant(tenant);
        UUID server = UUID.fromString(as(token).body(Map.of("projectId", project.toString(), "name", "one", "flavor", "m1.small",
                "image", "debian-12", "hints", Map.of())).post("/v1/servers").then().statusCode(202).extract().path("resource.id"));
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            String place;
            try (PreparedStatement p = c.prepareStatement("SELECT server_row_place(tenant_id, created_at, id) FROM server WHERE id = ?")) {
                p.setObject(1, server);
                try (ResultSet r = p.executeQuery()) {
                    assertThat(r.next()).isTrue();
                    place = r.getString(1);
                }
            }
            // Rows of this transaction only: the relay cannot see (nor take) them before the commit.
            try (PreparedStatement p = c.prepareStatement("UPDATE server SET name = 'renamed' WHERE id = ?")) {
                p.setObject(1, server);
                assertThat(p.executeUpdate()).isEqualTo(1);
            }
            assertThat(placesWaiting(c, place)).as("an update: its place, once (old and new are the same)").isEqualTo(1);
            try (PreparedStatement p = c.prepareStatement("UPDATE server SET name = 'renamed-again' WHERE id = ?")) {
                p.setObject(1, server);
                assertThat(p.executeUpdate()).isEqualTo(1);
            }
            assertThat(placesWaiting(c, place)).as("each update adds it once").isEqualTo(2);
            c.rollback();
        }
    }

    private static long placesWaiting(Connection c, String place) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT count(*) FROM change_outbox WHERE channel = 'server_rows' AND payload = ?")) {
            p.setString(1, place);
            try (ResultSet r = p.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private long waiting(UUID tenant) {
        try (Connection c = db.getConnection()) {
            return waitingOn(c, tenant);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long waitingOn(Connection c, UUID tenant) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT count(*) FROM change_outbox WHERE channel = 'tenant_rows' AND payload = ?")) {
            p.setString(1, tenant.toString());
            try (ResultSet r = p.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }
}
