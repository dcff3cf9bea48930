package io.skydeck.platform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link AccessControlTest} checks roles and tenant isolation endpoint by endpoint from a list
 * written by hand, which a new endpoint can be missing from. This test needs no list: it reads
 * every operation under {@code /v1} from the service's own OpenAPI document and checks that each
 * refuses a request without a token, with a token that is not a JWT and with an expired one —
 * 401, a problem document, and {@code WWW-Authenticate: Bearer} — before it reads a body or looks
 * anything up. Path parameters get a random UUID (or 1 where the path names a number), so a
 * handler that ran anyway would fail differently.
 */
@QuarkusTest
class EveryEndpointWantsATokenTest {

    private static final Pattern PARAMETER = Pattern.compile("\\{([^}]+)}");
    private static final Set<String> NUMERIC_PARAMETERS = Set.of("n", "seq", "number", "line");
    private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");

    /** An operation of the API document, with the media type its body is declared in (JSON when it declares none). */
    record Operation(String method, String path, String bodyType) {
        boolean is(String method, String path) {
            return this.method.equals(method) && this.path.equals(path);
        }
    }

    @Test
    void everyOperationInTheApiDocumentRefusesRequestsWithoutAValidToken() throws Exception {
        List<Operation> operations = operations();
        // A floor, so that an OpenAPI document that lost its paths does not pass by checking nothing.
        assertThat(operations).hasSizeGreaterThan(100);
        for (String[] expected : new String[][] {{"POST", "/v1/releases"}, {"POST", "/v1/trains"},
                {"POST", "/v1/networks/reachability"}, {"GET", "/v1/capacity/hosts"}, {"POST", "/v1/bill-imports"}}) {
            assertThat(operations).anyMatch(op -> op.is(expected[0], expected[1]));
        }

        List<String> failures = new ArrayList<>();
        for (Operation op : operations) {
            String path = concrete(op.path());
            for (String auth : new String[] {null, "Bearer not-a-jwt", Tokens.expired()}) {
                // The body's declared media type, so that the answer is about the token and not about
                // content negotiation (a CSV upload sent as JSON is a 415 before anyone is asked who sent it).
                RequestSpecification request = RestAssured.given().contentType(op.bodyType()).redirects().follow(false);
                if (auth != null) {
                    request.header("Authorization", auth);
                }
                if (!op.method().equals("GET") && !op.method().equals("DELETE")) {
                    request.body(op.bodyType().equals(ContentType.JSON.toString()) ? "{}" : "x");
                }
                var response = request.request(op.method(), path).thenReturn();
                String contentType = response.contentType() == null ? "" : response.contentType();
                if (response.statusCode() != 401 || !contentType.startsWith("application/problem+json")
                        || !"Bearer".equals(response.header("WWW-Authenticate"))) {
                    failures.add(op.method() + " " + path + " with " + (auth == null ? "no token" : auth.substring(0, 12))
                            + " -> " + response.statusCode() + " " + contentType);
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    private static List<Operation> operations() throws Exception {
        String document = RestAssured.given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .extract().asString();
        JsonNode paths = new ObjectMapper().readTree(document).path("paths");
        List<Operation> operations = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            if (!path.getKey().startsWith("/v1/")) {
                continue;
            }
            for (Iterator<Map.Entry<String, JsonNode>> methods = path.getValue().fields(); methods.hasNext(); ) {
                Map.Entry<String, JsonNode> method = methods.next();
                if (METHODS.contains(method.getKey())) {
                    Iterator<String> declared = method.getValue().path("requestBody").path("content").fieldNames();
                    String bodyType = declared.hasNext() ? declared.next() : ContentType.JSON.toString();
                    operations.add(new Operation(method.getKey().toUpperCase(java.util.Locale.ROOT), path.getKey(), bodyType));
                }
            }
        }
        return operations;
    }

    private static String concrete(String template) {
        Matcher m = PARAMETER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value = NUMERIC_PARAMETERS.contains(name) ? "1" : name.equals("action") ? "approve" : UUID.randomUUID().toString();
            m.appendReplacement(out, value);
        }
        m.appendTail(out);
        return out.toString();
    }
}
