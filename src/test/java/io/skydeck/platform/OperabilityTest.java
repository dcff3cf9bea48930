package io.skydeck.platform;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.Test;

import static io.skydeck.support.Api.as;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;

@QuarkusTest
class OperabilityTest {

    @Test
    void readinessIncludesTheDatabase() {
        RestAssured.get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("Database connections health check"));
        RestAssured.get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void openApiDescribesTheApiWithBearerSecurity() {
        RestAssured.given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body("paths", org.hamcrest.Matchers.hasKey("/v1/tenants"))
                .body("paths", org.hamcrest.Matchers.hasKey("/v1/audit"))
                .body("components.securitySchemes.jwt.scheme", equalTo("bearer"));
        RestAssured.get("/q/swagger-ui/").then().statusCode(200);
    }

    @Test
    void prometheusMetricsCountRequests() {
        as(Tokens.admin()).get("/v1/tenants").then().statusCode(200);
        RestAssured.get("/q/metrics").then().statusCode(200)
                .body(containsString("http_server_requests_seconds_count"))
                .body(containsString("uri=\"/v1/tenants\""));
    }

    @Test
    void everyResponseCarriesARequestIdAndEchoesAGivenOne() {
        RestAssured.get("/v1/tenants").then().statusCode(401)
                .header("X-Request-Id", matchesPattern("[0-9a-f-]{36}"));
        RestAssured.given().header("X-Request-Id", "trace-42").get("/q/health/live").then()
                .header("X-Request-Id", equalTo("trace-42"));
        // An id that could forge log lines is replaced, not echoed.
        RestAssured.given().header("X-Request-Id", "bad id\tinjected").get("/q/health/live").then()
                .header("X-Request-Id", matchesPattern("[0-9a-f-]{36}"));
    }

    @Test
    void aValueTheDatabaseCannotTakeIsABadRequestNotAServerError() {
        // A NUL byte in a string id reaches PostgreSQL, which refuses it (SQL state 22021).
        as(Tokens.finance()).urlEncodingEnabled(false).get("/v1/invoices/inv-%00").then()
                .statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:validation"));
    }

    @Test
    void unknownPathsAndMethodsAreProblems() {
        as(Tokens.admin()).get("/v1/nothing-here").then().statusCode(404);
        as(Tokens.admin()).delete("/v1/tenants").then().statusCode(405).contentType("application/problem+json");
    }
}
