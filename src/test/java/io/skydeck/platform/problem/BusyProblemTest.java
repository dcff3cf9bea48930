package io.skydeck.platform.problem;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import jakarta.ws.rs.core.Response;
import org.hibernate.exception.GenericJDBCException;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

/** What a client receives when the database is busy, and that anything else stays a 500. */
class BusyProblemTest {
    private final ObjectMapper json = new ObjectMapper();
    private final ProblemMappers mappers = new ProblemMappers();

    BusyProblemTest() {
        var responses = new ProblemResponses();
        responses.json = json;
        responses.request = new CurrentVertxRequest();
        mappers.problems = responses;
    }

    @Test
    void anExhaustedPoolIsA503BusyToRetry() throws Exception {
        Response response = mappers.unexpected(new IllegalStateException("in a create",
                new GenericJDBCException("Unable to acquire JDBC Connection", new SQLException(DatabaseBusy.POOL_EXHAUSTED))));
        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getHeaderString("Retry-After")).isEqualTo("1");
        assertThat(response.getMediaType().toString()).isEqualTo(Problem.MEDIA_TYPE);
        JsonNode body = json.readTree((String) response.getEntity());
        assertThat(body.get("type").asText()).isEqualTo("urn:skydeck:problem:busy");
        assertThat(body.get("detail").asText()).contains("connection").contains("Idempotency-Key");
    }

    @Test
    void anUnexpectedFailureStaysA500WithoutRetryAfter() throws Exception {
        Response response = mappers.unexpected(new IllegalStateException("a bug"));
        assertThat(response.getStatus()).isEqualTo(500);
        assertThat(response.getHeaderString("Retry-After")).isNull();
        assertThat(json.readTree((String) response.getEntity()).get("type").asText()).isEqualTo("urn:skydeck:problem:internal");
    }
}
