package io.skydeck.support;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;

/** Small helpers over RestAssured for setting up fixtures through the public API. */
public final class Api {

    private Api() {
    }

    public static RequestSpecification as(String authorization) {
        return RestAssured.given().header("Authorization", authorization).contentType(ContentType.JSON);
    }

    public static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public static UUID createTenant(String name) {
        return UUID.fromString(as(Tokens.admin()).body(Map.of("name", name)).post("/v1/tenants")
                .then().statusCode(201).extract().path("id"));
    }

    public static UUID createTenant(String name, Map<String, Object> quota) {
        return UUID.fromString(as(Tokens.admin()).body(Map.of("name", name, "quota", quota)).post("/v1/tenants")
                .then().statusCode(201).extract().path("id"));
    }

    public static UUID createProject(UUID tenantId, String name) {
        return UUID.fromString(as(Tokens.admin()).body(Map.of("name", name))
                .post("/v1/tenants/" + tenantId + "/projects")
                .then().statusCode(201).body("tenantId", equalTo(tenantId.toString())).extract().path("id"));
    }

    public static Map<String, Object> quota(long vcpu, long memoryGib, long servers, long workloads, long publicIps, long networks) {
        return Map.of("vcpu", vcpu, "memoryGib", memoryGib, "servers", servers, "workloads", workloads, "publicIps", publicIps,
                "networks", networks);
    }

    public static Map<String, Object> quota(long vcpu, long memoryGib, long servers, long workloads, long publicIps) {
        return Map.of("vcpu", vcpu, "memoryGib", memoryGib, "servers", servers, "workloads", workloads, "publicIps", publicIps);
    }
}
