package io.skydeck.platform;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasItem;

/**
 * Every endpoint, three ways: no token is 401, a role the endpoint does not serve is 403,
 * and a tenant reaching for another tenant's object is 404 — the same answer as for an
 * object that does not exist, so nothing leaks.
 */
@QuarkusTest
class AccessControlTest {

    record Endpoint(String method, String path, Object body, List<String> forbiddenRoles, boolean tenantScoped) {
    }

    UUID tenantA;
    UUID tenantB;
    UUID projectA;
    UUID reservationA;
    UUID serverA;
    UUID operationA;
    UUID workloadA;

    @BeforeEach
    void twoTenants() {
        tenantA = createTenant(uniqueName("alpha"));
        tenantB = createTenant(uniqueName("beta"));
        projectA = createProject(tenantA, "web");
        reservationA = UUID.fromString(as(Tokens.tenant(tenantA))
                .body(Map.of("purpose", "vm", "amounts", quota(1, 1, 1, 0, 0)))
                .post("/v1/tenants/" + tenantA + "/quota/reservations")
                .then().statusCode(201).extract().path("id"));
        var server = as(Tokens.tenant(tenantA))
                .body(Map.of("projectId", projectA.toString(), "name", "vm", "flavor", "m1.tiny", "image", "debian-12"))
                .post("/v1/servers").then().statusCode(202).extract().response();
        serverA = UUID.fromString(server.path("resource.id"));
        operationA = UUID.fromString(server.path("operation.id"));
        io.skydeck.support.Operations.awaitFinished(Tokens.tenant(tenantA), operationA.toString());
        workloadA = UUID.fromString(as(Tokens.tenant(tenantA))
                .body(Map.of("projectId", projectA.toString(), "name", "wl", "image", "nginx", "replicas", 1,
                        "cpuMillis", 100, "memoryMib", 64))
                .post("/v1/workloads").then().statusCode(202).extract().path("resource.id"));
    }

    List<Endpoint> endpoints() {
        String t = "/v1/tenants/" + tenantA;
        Object reservation = Map.of("purpose", "vm", "amounts", quota(1, 1, 0, 0, 0));
        return List.of(
                new Endpoint("POST", "/v1/tenants", Map.of("name", uniqueName("x")), List.of("tenant", "finance", "scheduler"), false),
                new Endpoint("GET", "/v1/tenants", null, List.of("tenant", "scheduler"), false),
                new Endpoint("GET", t, null, List.of("scheduler"), true),
                new Endpoint("PATCH", t, Map.of("displayName", "x"), List.of("tenant", "finance", "scheduler"), false),
                new Endpoint("POST", t + "/projects", Map.of("name", "p" + System.nanoTime()), List.of("finance", "scheduler"), true),
                new Endpoint("GET", t + "/quota", null, List.of("finance"), true),
                new Endpoint("PUT", t + "/quota", quota(10, 10, 10, 10, 10), List.of("tenant", "finance", "scheduler"), false),
                new Endpoint("POST", t + "/quota/reservations", reservation, List.of("finance", "scheduler"), true),
                new Endpoint("GET", t + "/quota/reservations", null, List.of("finance", "scheduler"), true),
                new Endpoint("GET", t + "/quota/reservations/" + reservationA, null, List.of("finance", "scheduler"), true),
                new Endpoint("DELETE", t + "/quota/reservations/" + reservationA, null, List.of("finance", "scheduler"), true),
                new Endpoint("GET", "/v1/projects", null, List.of("scheduler"), false),
                new Endpoint("GET", "/v1/projects/" + projectA, null, List.of("scheduler"), true),
                new Endpoint("PATCH", "/v1/projects/" + projectA, Map.of("description", "x"), List.of("finance", "scheduler"), true),
                new Endpoint("DELETE", "/v1/projects/" + projectA, null, List.of("finance", "scheduler"), true),
                new Endpoint("GET", "/v1/audit", null, List.of("finance", "scheduler"), false),
                new Endpoint("POST", "/v1/servers", Map.of("projectId", projectA.toString(), "name", "vm2", "flavor", "m1.tiny",
                        "image", "debian-12", "tenantId", tenantA.toString()), List.of("finance"), true),
                new Endpoint("GET", "/v1/servers", null, List.of(), false),
                new Endpoint("GET", "/v1/servers/" + serverA, null, List.of(), true),
                new Endpoint("GET", "/v1/servers/" + serverA + "/placement", null, List.of("finance"), true),
                new Endpoint("GET", "/v1/servers/" + serverA + "/events", null, List.of("scheduler"), true),
                new Endpoint("POST", "/v1/servers/" + serverA + "/actions", Map.of("action", "stop"), List.of("finance", "scheduler"), true),
                new Endpoint("DELETE", "/v1/servers/" + serverA, null, List.of("finance", "scheduler"), true),
                new Endpoint("GET", "/v1/operations", null, List.of("finance"), false),
                new Endpoint("GET", "/v1/operations/" + operationA, null, List.of("finance"), true),
                new Endpoint("POST", "/v1/operations/" + operationA + "/cancel", null, List.of("finance", "scheduler"), true),
                new Endpoint("GET", "/v1/capacity", null, List.of("tenant", "finance"), false),
                new Endpoint("GET", "/v1/capacity/hosts", null, List.of("tenant", "finance"), false),
                new Endpoint("POST", "/v1/capacity/refresh", null, List.of("tenant", "finance"), false),
                new Endpoint("POST", "/v1/workloads", Map.of("projectId", projectA.toString(), "name", "wl2", "image", "nginx",
                        "replicas", 1, "cpuMillis", 100, "memoryMib", 64, "tenantId", tenantA.toString()),
                        List.of("finance", "scheduler"), true),
                new Endpoint("GET", "/v1/workloads", null, List.of(), false),
                new Endpoint("GET", "/v1/workloads/" + workloadA, null, List.of(), true),
                new Endpoint("GET", "/v1/workloads/" + workloadA + "/placement", null, List.of("finance"), true),
                new Endpoint("GET", "/v1/workloads/" + workloadA + "/events", null, List.of("scheduler"), true),
                new Endpoint("POST", "/v1/workloads/" + workloadA + "/scale", Map.of("replicas", 2), List.of("finance", "scheduler"), true),
                new Endpoint("DELETE", "/v1/workloads/" + workloadA, null, List.of("finance", "scheduler"), true));
    }

    @Test
    void everyEndpointRefusesAMissingOrBadToken() {
        List<String> failures = new ArrayList<>();
        for (Endpoint e : endpoints()) {
            for (String auth : new String[] {null, "Bearer not-a-jwt", Tokens.expired()}) {
                RequestSpecification request = RestAssured.given().contentType(ContentType.JSON);
                if (auth != null) {
                    request.header("Authorization", auth);
                }
                var response = send(request, e);
                if (response.statusCode() != 401 || !response.contentType().startsWith("application/problem+json")
                        || !"Bearer".equals(response.header("WWW-Authenticate"))) {
                    failures.add(e.method() + " " + e.path() + " with " + (auth == null ? "no token" : auth.substring(0, 12))
                            + " -> " + response.statusCode());
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void everyEndpointRefusesRolesItDoesNotServe() {
        Map<String, Function<UUID, String>> tokens = Map.of(
                "tenant", Tokens::tenant,
                "finance", id -> Tokens.finance(),
                "scheduler", id -> Tokens.scheduler());
        List<String> failures = new ArrayList<>();
        for (Endpoint e : endpoints()) {
            for (String role : e.forbiddenRoles()) {
                var response = send(as(tokens.get(role).apply(tenantA)), e);
                if (response.statusCode() != 403 || !response.contentType().startsWith("application/problem+json")) {
                    failures.add(e.method() + " " + e.path() + " as " + role + " -> " + response.statusCode());
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void anotherTenantsObjectsAreNotFound() {
        List<String> failures = new ArrayList<>();
        for (Endpoint e : endpoints()) {
            if (!e.tenantScoped()) {
                continue;
            }
            var response = send(as(Tokens.tenant(tenantB)), e);
            if (response.statusCode() != 404 || !"urn:skydeck:problem:not-found".equals(response.path("type"))) {
                failures.add(e.method() + " " + e.path() + " as tenant B -> " + response.statusCode());
            }
        }
        assertThat(failures).isEmpty();
        // Nothing was changed by the attempts: A's project and reservation are as they were.
        as(Tokens.tenant(tenantA)).get("/v1/projects/" + projectA).then().statusCode(200).body("description", equalTo(null));
        as(Tokens.tenant(tenantA)).get("/v1/tenants/" + tenantA + "/quota/reservations/" + reservationA)
                .then().statusCode(200).body("state", equalTo("HELD"));
        as(Tokens.tenant(tenantA)).get("/v1/servers/" + serverA).then().statusCode(200).body("status", equalTo("ACTIVE"));
    }

    @Test
    void listsShowATenantOnlyItsOwnRows() {
        as(Tokens.tenant(tenantB)).get("/v1/projects")
                .then().statusCode(200).body("items.id", not(hasItem(projectA.toString())));
        as(Tokens.tenant(tenantB)).queryParam("tenantId", tenantA).get("/v1/projects")
                .then().statusCode(200).body("items.size()", equalTo(0));
        as(Tokens.tenant(tenantB)).queryParam("limit", 500).get("/v1/audit")
                .then().statusCode(200).body("items.tenantId", not(hasItem(tenantA.toString())));
        as(Tokens.tenant(tenantB)).queryParam("tenantId", tenantA).get("/v1/audit")
                .then().statusCode(200).body("items.size()", equalTo(0));
        as(Tokens.tenant(tenantA)).queryParam("tenantId", tenantA).get("/v1/audit")
                .then().statusCode(200).body("items.targetId", hasItem(projectA.toString()));
        for (String list : List.of("/v1/servers", "/v1/workloads", "/v1/operations")) {
            as(Tokens.tenant(tenantB)).get(list).then().statusCode(200).body("items.size()", equalTo(0));
            as(Tokens.tenant(tenantB)).queryParam("tenantId", tenantA).get(list).then().statusCode(200).body("items.size()", equalTo(0));
            as(Tokens.tenant(tenantA)).get(list).then().statusCode(200).body("items.size()", org.hamcrest.Matchers.greaterThan(0));
        }
    }

    @Test
    void aTenantTokenWithoutATenantSeesNothing() {
        // A token with the tenant role but no tenant claim must not become an operator.
        var minter = new io.skydeck.platform.security.TokenMinter(io.skydeck.platform.security.SigningKeys
                .in(java.nio.file.Path.of("target/skydeck-data/keys")).privateKey());
        String odd = "Bearer " + minter.mint("odd@test", "tenant", "not-a-uuid", java.time.Instant.now(), java.time.Duration.ofMinutes(5));
        as(odd).get("/v1/tenants/" + tenantA).then().statusCode(404);
        as(odd).get("/v1/projects").then().statusCode(200).body("items.size()", equalTo(0));
    }

    private static io.restassured.response.Response send(RequestSpecification request, Endpoint e) {
        if (e.body() != null) {
            request.body(e.body());
        }
        return request.request(e.method(), e.path()).thenReturn();
    }
}
