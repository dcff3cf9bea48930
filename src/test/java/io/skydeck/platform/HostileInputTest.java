package io.skydeck.platform;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every operation in the OpenAPI document, fed malformed bodies, odd ids and bad query
 * parameters as several roles: nothing may answer 5xx, and every refusal is problem+json.
 * (The document is the list, so an endpoint added later is covered without touching this.)
 */
@QuarkusTest
class HostileInputTest {

    // A NUL byte in an id used to reach PostgreSQL and come back as a 500; "inv-%00" keeps that honest.
    private static final List<String> IDS = List.of("not-a-uuid", UUID.randomUUID().toString(), "inv-%00");
    private static final List<String> QUERIES = List.of("", "?limit=abc&tenantId=zz&period=2026-99&status=WHAT");
    private static final List<String> BODIES = List.of("", "{", "[]",
            "{\"tenantId\":\"nope\",\"projectId\":\"nope\",\"period\":\"2026-13\",\"replicas\":-1,\"cpuMillis\":\"a\"}",
            "{\"x\":" + "[".repeat(1500) + "]".repeat(1500) + "}");

    @Test
    void noEndpointAnswersHostileInputWithAServerError() {
        String tenant = Tokens.tenant(createTenant(uniqueName("hostile")));
        List<String> roles = List.of(Tokens.admin(), tenant);
        Map<String, Map<String, Object>> paths = RestAssured.given().queryParam("format", "json").get("/q/openapi")
                .then().statusCode(200).extract().path("paths");
        List<String> failures = new ArrayList<>();
        int sent = 0;
        for (var entry : paths.entrySet()) {
            for (String method : entry.getValue().keySet()) {
                List<String> concrete = entry.getKey().contains("{")
                        ? IDS.stream().map(id -> entry.getKey().replaceAll("\\{[^}]+}", id)).toList()
                        : List.of(entry.getKey());
                boolean hasBody = List.of("post", "put", "patch").contains(method);
                for (String path : concrete) {
                    for (String query : QUERIES) {
                        for (String role : roles) {
                            for (String body : hasBody ? BODIES : java.util.Collections.<String>singletonList(null)) {
                                var request = RestAssured.given().urlEncodingEnabled(false).header("Authorization", role);
                                if (body != null) {
                                    request.contentType("application/json").body(body);
                                }
                                Response response = request.request(method, path + query).thenReturn();
                                sent++;
                                int status = response.statusCode();
                                String type = response.contentType();
                                if (status >= 500 || (status >= 400 && !type.startsWith("application/problem+json"))) {
                                    failures.add(status + " " + method + " " + path + query + " " + (body == null ? "" : body.substring(0, Math.min(30, body.length()))));
                                }
                            }
                        }
                    }
                }
            }
        }
        assertThat(sent).isGreaterThan(500);
        assertThat(failures).isEmpty();
    }
}
