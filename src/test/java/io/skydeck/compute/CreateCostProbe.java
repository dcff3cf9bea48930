package io.skydeck.compute;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.ArrayList;
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
 * Not a test: brackets {@code n} server creates with marker statements so the PostgreSQL log of
 * the test database ({@code ALTER DATABASE … SET log_min_duration_statement = 0}) can be counted —
 * how bench/README.md's statements and transactions per create were measured. Runs only with
 * {@code -DprobeCreates=N}.
 */
@QuarkusTest
@EnabledIfSystemProperty(named = "probeCreates", matches = "\\d+")
class CreateCostProbe {

    @Inject
    EntityManager em;

    @Test
    void createsBetweenMarkers() {
        int n = Integer.getInteger("probeCreates");
        UUID tenant = createTenant(uniqueName("probe"), quota(4 * n, 8 * n, n, 10, 2));
        UUID project = createProject(tenant, "apps");
        String token = Tokens.tenant(tenant);
        // one create first: the default network and the JIT are not what is measured
        String warm = as(token).body(Map.of("projectId", project.toString(), "name", "warm", "flavor", "m1.small",
                "image", "debian-12", "hints", Map.of())).post("/v1/servers").then().statusCode(202).extract().path("operation.id");
        awaitFinished(token, warm);
        mark("h5-probe-start");
        List<String> ops = new ArrayList<>();
        for (int i = 0; i < n - 1; i++) {
            ops.add(as(token).body(Map.of("projectId", project.toString(), "name", "p-" + i, "flavor", "m1.small",
                    "image", "debian-12", "hints", Map.of())).header("Idempotency-Key", UUID.randomUUID().toString())
                    .post("/v1/servers").then().statusCode(202).extract().path("operation.id"));
        }
        // No polling from here (it would be counted): the runner has a few seconds to build them all.
        io.skydeck.support.Operations.pause(4_000);
        mark("h5-probe-end");
        for (String op : ops) {
            assertThat(awaitFinished(token, op).<String>path("state")).isEqualTo("SUCCEEDED");
        }
    }

    private void mark(String label) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("SELECT '" + label + "'").getSingleResult());
    }
}
