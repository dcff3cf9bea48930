package io.skydeck.compute;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.skydeck.platform.changes.TenantChanges;
import io.skydeck.platform.changes.TenantChanges.Channel;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
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
import static io.skydeck.support.Operations.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pages of a tenant's servers kept by the replica: answered again from memory while the tenant's
 * servers are unchanged, read again after any committed change of one of them — through the API
 * (seen by the very next request) or by plain SQL on another connection, as another replica's
 * write would be (seen once V53's notification arrives) — and not after another tenant's change.
 */
@QuarkusTest
class ServerPagesTest {

    @Inject
    MeterRegistry registry;

    @Inject
    TenantChanges changes;

    @Inject
    AgroalDataSource db;

    @Test
    void aKeptPageIsAnsweredUntilOneOfTheTenantsServersChanges() throws SQLException {
        awaitTrue(changes::live, "the watch listens");
        UUID tenant = createTenant(uniqueName("pages"), quota(8, 16, 4, 0, 0, 1));
        UUID bystander = createTenant(uniqueName("pagesby"), quota(8, 16, 4, 0, 0, 1));
        String token = Tokens.tenant(tenant);
        String first = create(tenant, "first");
        String theirs = create(bystander, "theirs");

        assertThat(names(token)).containsExactly("first");
        double fromMemory = answered("from_memory");
        double fromDatabase = answered("from_database");
        assertThat(names(token)).containsExactly("first");
        assertThat(answered("from_memory")).as("the second, identical request").isEqualTo(fromMemory + 1);
        assertThat(answered("from_database")).isEqualTo(fromDatabase);

        // Another tenant's server changes: once its notification has arrived, this tenant's page is still kept.
        TenantChanges.Mark theirMark = changes.mark(Channel.SERVERS, bystander);
        rename(theirs, "renamed-theirs");
        awaitTrue(() -> !changes.unchanged(Channel.SERVERS, bystander, theirMark), "the bystander's change is notified");
        assertThat(names(token)).containsExactly("first");
        assertThat(answered("from_memory")).as("after another tenant's change").isEqualTo(fromMemory + 2);

        // Through the API: the very next request on this replica lists the new server.
        create(tenant, "second");
        assertThat(names(token)).containsExactly("first", "second");

        // Behind the API's back, as another replica would: the page is read again once PostgreSQL tells this one.
        rename(first, "renamed");
        awaitTrue(() -> names(token).contains("renamed"), "the renamed server is listed");
        assertThat(names(token)).containsExactly("renamed", "second");
    }

    @Test
    void aChangeEndsOnlyThePagesWhoseRangeHoldsTheRow() throws SQLException {
        awaitTrue(changes::live, "the watch listens");
        UUID tenant = createTenant(uniqueName("ranges"), quota(8, 16, 4, 0, 0, 1));
        String token = Tokens.tenant(tenant);
        String first = create(tenant, "first");
        create(tenant, "second");
        String third = create(tenant, "third");

        // Pages of one: the first reads rows 1-2 (the second says there is more), the second rows 2-3, the third row 3.
        String second = page(token, null).extract().path("nextCursor");
        String last = page(token, second).extract().path("nextCursor");
        assertThat(page(token, last).extract().<List<String>>path("items.name")).containsExactly("third");
        double fromDatabase = answered("from_database");

        TenantChanges.Mark before = changes.mark(Channel.SERVERS, tenant);
        rename(third, "renamed-third");
        awaitTrue(() -> !changes.unchanged(Channel.SERVERS, tenant, before), "the change is notified");
        assertThat(page(token, null).extract().<List<String>>path("items.name")).as("page one: rows 1-2").containsExactly("first");
        assertThat(answered("from_database")).as("page one was kept").isEqualTo(fromDatabase);
        assertThat(page(token, second).extract().<List<String>>path("items.name")).containsExactly("second");
        assertThat(page(token, last).extract().<List<String>>path("items.name")).containsExactly("renamed-third");
        assertThat(answered("from_database")).as("pages two and three were read again").isEqualTo(fromDatabase + 2);

        // A new server lands after every other: only the last page (which read to the end) is read again.
        TenantChanges.Mark beforeInsert = changes.mark(Channel.SERVERS, tenant);
        copy(third, "fourth");
        awaitTrue(() -> !changes.unchanged(Channel.SERVERS, tenant, beforeInsert), "the insert is notified");
        assertThat(page(token, null).extract().<List<String>>path("items.name")).containsExactly("first");
        assertThat(page(token, last).extract().<List<String>>path("items.name")).containsExactly("renamed-third");
        assertThat(page(token, last).extract().<String>path("nextCursor")).as("the last page now has a next").isNotNull();
        assertThat(answered("from_database")).isEqualTo(fromDatabase + 3);

        // The first server goes: page one is read again.
        rename(first, "renamed-first");
        awaitTrue(() -> page(token, null).extract().<List<String>>path("items.name").contains("renamed-first"), "page one is read again");
    }

    private static io.restassured.response.ValidatableResponse page(String token, String cursor) {
        var request = as(token).queryParam("limit", 1);
        if (cursor != null) {
            request = request.queryParam("cursor", cursor);
        }
        return request.get("/v1/servers").then().statusCode(200);
    }

    @Test
    void anOperatorsListAcrossTenantsIsReadEveryTime() {
        double fromMemory = answered("from_memory");
        as(Tokens.admin()).queryParam("limit", 5).get("/v1/servers").then().statusCode(200);
        as(Tokens.admin()).queryParam("limit", 5).get("/v1/servers").then().statusCode(200);
        assertThat(answered("from_memory")).isEqualTo(fromMemory);
    }

    private String create(UUID tenant, String name) {
        UUID project = createProject(tenant, uniqueName("p"));
        var accepted = as(Tokens.tenant(tenant)).body(Map.of("projectId", project, "name", name, "flavor", "m1.small", "image", "debian-12"))
                .post("/v1/servers").then().statusCode(202).extract();
        awaitFinished(Tokens.tenant(tenant), accepted.path("operation.id"));
        return accepted.path("resource.id");
    }

    private static List<String> names(String token) {
        return as(token).get("/v1/servers").then().statusCode(200).contentType("application/json").extract().path("items.name");
    }

    private void rename(String server, String name) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement("UPDATE server SET name = ? WHERE id = ?")) {
            s.setString(1, name);
            s.setObject(2, UUID.fromString(server));
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
    }

    /** A new row for the same tenant, created now, as another replica's create would leave it. */
    private void copy(String server, String name) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement("""
                INSERT INTO server (id, tenant_id, project_id, name, flavor, image, provider, region, zone, host, status, vcpu,
                    memory_mib, gpu, created_at, updated_at, version)
                SELECT gen_random_uuid(), tenant_id, project_id, ?, flavor, image, provider, region, zone, host, status, vcpu,
                    memory_mib, gpu, now(), now(), 0
                FROM server WHERE id = ?""")) {
            s.setString(1, name);
            s.setObject(2, UUID.fromString(server));
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
    }

    private double answered(String how) {
        return registry.get("skydeck.server.pages").tag("answered", how).counter().count();
    }
}
