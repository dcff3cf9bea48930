package io.skydeck.platform;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceException;
import jakarta.transaction.Transactional;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
class AuditTrailTest {

    @Inject
    EntityManager em;

    @Test
    void everyStateChangeLeavesOneRowWithActorTenantAndRequestId() {
        Response created = as(Tokens.admin()).header("X-Request-Id", "req-create-1-" + UUID.randomUUID())
                .body(Map.of("name", uniqueName("audited"))).post("/v1/tenants")
                .then().statusCode(201).extract().response();
        UUID tenant = UUID.fromString(created.path("id"));
        String requestId = created.header("X-Request-Id");
        assertThat(requestId).startsWith("req-create-1-");

        String project = as(Tokens.tenant(tenant)).body(Map.of("name", "shop")).post("/v1/tenants/" + tenant + "/projects")
                .then().statusCode(201).extract().path("id");
        as(Tokens.tenant(tenant)).body(Map.of("description", "d")).patch("/v1/projects/" + project).then().statusCode(200);
        as(Tokens.admin()).body(Map.of("displayName", "Audited")).patch("/v1/tenants/" + tenant).then().statusCode(200);
        as(Tokens.admin()).body(quota(10, 10, 10, 10, 10)).put("/v1/tenants/" + tenant + "/quota").then().statusCode(200);
        String reservation = as(Tokens.tenant(tenant)).body(Map.of("purpose", "vm", "amounts", quota(1, 1, 1, 0, 0)))
                .post("/v1/tenants/" + tenant + "/quota/reservations").then().statusCode(201).extract().path("id");
        as(Tokens.tenant(tenant)).delete("/v1/tenants/" + tenant + "/quota/reservations/" + reservation).then().statusCode(200);
        as(Tokens.tenant(tenant)).delete("/v1/projects/" + project).then().statusCode(204);

        Response trail = as(Tokens.admin()).queryParam("tenantId", tenant).get("/v1/audit").then().statusCode(200).extract().response();
        assertThat(trail.<List<String>>path("items.action")).containsExactly(
                "tenant.created", "project.created", "project.updated", "tenant.updated",
                "quota.updated", "quota.reserved", "quota.released", "project.deleted");
        assertThat(trail.<String>path("items[0].actor")).isEqualTo("admin@test");
        assertThat(trail.<String>path("items[0].actorRole")).isEqualTo("admin");
        assertThat(trail.<String>path("items[0].requestId")).isEqualTo(requestId);
        assertThat(trail.<String>path("items[1].actor")).isEqualTo("user@" + tenant);
        assertThat(trail.<String>path("items[1].actorRole")).isEqualTo("tenant");
        assertThat(trail.<List<String>>path("items.tenantId")).containsOnly(tenant.toString());
        assertThat(trail.<List<String>>path("items.requestId")).doesNotContainNull();

        // The tenant reads the same trail of its own.
        as(Tokens.tenant(tenant)).get("/v1/audit").then().statusCode(200).body("items.size()", equalTo(8));
    }

    @Test
    void refusedRequestsChangeNothingAndLeaveNoRow() {
        String name = uniqueName("refused");
        as(Tokens.admin()).body(Map.of("name", name, "quota", quota(-1, 0, 0, 0, 0))).post("/v1/tenants").then().statusCode(400);
        as(Tokens.admin()).queryParam("action", "tenant.created").queryParam("limit", 500).get("/v1/audit")
                .then().statusCode(200);
        Number rows = (Number) em.createNativeQuery("SELECT count(*) FROM audit_log WHERE details LIKE ?1")
                .setParameter(1, "%" + name + "%").getSingleResult();
        assertThat(rows.longValue()).isZero();
    }

    @Test
    void theDatabaseRefusesToRewriteTheAuditLog() {
        as(Tokens.admin()).body(Map.of("name", uniqueName("history"))).post("/v1/tenants").then().statusCode(201);
        assertThatThrownBy(this::rewriteHistory).isInstanceOf(PersistenceException.class)
                .rootCause().hasMessageContaining("append-only");
        assertThatThrownBy(this::eraseHistory).isInstanceOf(PersistenceException.class)
                .rootCause().hasMessageContaining("append-only");
    }

    @Transactional
    void rewriteHistory() {
        em.createNativeQuery("UPDATE audit_log SET actor = 'nobody'").executeUpdate();
    }

    @Transactional
    void eraseHistory() {
        em.createNativeQuery("DELETE FROM audit_log").executeUpdate();
    }
}
