package io.skydeck.network;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitFinished;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The triggers that move a tenant's topology version (V31, narrowed by V54) against the real
 * database: a server joining the tenant's network moves it, its build finishing (BUILDING →
 * ACTIVE) and a stop or start do not — reachability never reads which live status a member has —
 * and leaving (DELETED) or a new address moves it again.
 */
@QuarkusTest
class TopologyVersionTriggerTest {

    @Inject
    AgroalDataSource db;

    @Test
    void onlyJoiningLeavingOrMovingAMemberMovesTheVersion() throws SQLException {
        UUID tenant = createTenant(uniqueName("topover"), quota(8, 32, 4, 0, 0, 0));
        UUID project = createProject(tenant, "app");
        String token = Tokens.tenant(tenant);
        // The first server makes the tenant's default network; its operations are over once the server's is.
        awaitFinished(token, create(token, project, "first").path("operation.id"));

        ExtractableResponse<Response> second = create(token, project, "second");
        UUID server = UUID.fromString(second.path("resource.id"));
        long joined = version(tenant);
        awaitFinished(token, second.path("operation.id"));
        assertThat(status(server)).isEqualTo("ACTIVE");
        assertThat(version(tenant)).as("the build finished: BUILDING -> ACTIVE").isEqualTo(joined);

        update(server, "UPDATE server SET status = 'STOPPED' WHERE id = ?");
        update(server, "UPDATE server SET status = 'ACTIVE' WHERE id = ?");
        assertThat(version(tenant)).as("stopped and started").isEqualTo(joined);

        update(server, "UPDATE server SET private_address = '10.0.0.250' WHERE id = ?");
        assertThat(version(tenant)).as("a new address").isEqualTo(joined + 1);

        update(server, "UPDATE server SET status = 'DELETED' WHERE id = ?");
        assertThat(version(tenant)).as("gone").isEqualTo(joined + 2);
        update(server, "UPDATE server SET status = 'FAILED' WHERE id = ?");
        assertThat(version(tenant)).as("from one end state to the other: still gone").isEqualTo(joined + 2);
    }

    @Test
    void bumpsOfOneTenantFromTwoBackendsDoNotWaitOnEachOther() throws SQLException {
        // Two transactions change members of one tenant's network at once, each holding what its bump locked (the
        // trigger run at once, not at commit): the second must not wait for the first (V61's shares; before, one row).
        UUID tenant = createTenant(uniqueName("topoconc"), quota(8, 32, 4, 0, 0, 0));
        UUID project = createProject(tenant, "app");
        String token = Tokens.tenant(tenant);
        ExtractableResponse<Response> one = create(token, project, "one");
        awaitFinished(token, one.path("operation.id"));
        UUID first = UUID.fromString(one.path("resource.id"));
        ExtractableResponse<Response> two = create(token, project, "two");
        awaitFinished(token, two.path("operation.id"));
        UUID other = UUID.fromString(two.path("resource.id"));
        long before = version(tenant);
        java.util.List<Connection> open = new java.util.ArrayList<>();
        try {
            Connection a = db.getConnection();
            open.add(a);
            Connection b = null;
            // Backends whose shares differ: pids are spread, so this takes a few connections at most.
            while (b == null) {
                Connection candidate = db.getConnection();
                open.add(candidate);
                if (Math.floorMod(pid(candidate), 16) != Math.floorMod(pid(a), 16)) {
                    b = candidate;
                }
            }
            for (Connection c : List.of(a, b)) {
                c.setAutoCommit(false);
                c.createStatement().execute("SET CONSTRAINTS ALL IMMEDIATE");
            }
            b.createStatement().execute("SET LOCAL lock_timeout = '3s'");
            changeAddress(a, first, "10.0.0.241");
            changeAddress(b, other, "10.0.0.242");
            b.commit();
            a.commit();
            assertThat(version(tenant)).as("both bumps counted").isEqualTo(before + 2);
        } finally {
            for (Connection c : open) {
                c.close();
            }
        }
    }

    private static int pid(Connection c) throws SQLException {
        try (var r = c.createStatement().executeQuery("SELECT pg_backend_pid()")) {
            r.next();
            return r.getInt(1);
        }
    }

    private static void changeAddress(Connection c, UUID server, String address) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE server SET private_address = ? WHERE id = ?")) {
            s.setString(1, address);
            s.setObject(2, server);
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
    }

    private static ExtractableResponse<Response> create(String token, UUID project, String name) {
        return as(token).body(Map.of("projectId", project.toString(), "name", name, "flavor", "m1.small", "image", "debian-12",
                        "hints", Map.of("region", "sbx-east-1")))
                .post("/v1/servers").then().statusCode(202).extract();
    }

    private long version(UUID tenant) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT sum(version) FROM network_topology_version WHERE tenant_id = ?")) {
            s.setObject(1, tenant);
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                assertThat(r.getObject(1)).as("the tenant has a version").isNotNull();
                return r.getLong(1);
            }
        }
    }

    private String status(UUID server) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement("SELECT status FROM server WHERE id = ?")) {
            s.setObject(1, server);
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                return r.getString(1);
            }
        }
    }

    private void update(UUID server, String sql) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, server);
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
    }
}
