package io.skydeck.provisioning;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Every kind of resource goes through the same pipeline, with the same guarantees: an admitted
 * request leaves exactly one of each of its seven records, tied together by the resource's id; a
 * request refused at the quota step or at the placement step leaves none of them. Read from the
 * tables themselves, not from the API's view of them.
 */
@QuarkusTest
class ProvisioningPipelineTest {

    @Inject
    EntityManager em;

    @ParameterizedTest
    @ValueSource(strings = {"server", "workload"})
    void anAdmittedRequestLeavesOneOfEachRecordTiedToItsResource(String kind) {
        UUID tenant = createTenant(uniqueName("pipe"), quota(8, 32, 4, 4, 1));
        UUID project = createProject(tenant, "apps");
        Response accepted = as(Tokens.tenant(tenant)).body(request(kind, project, "one", null)).post("/v1/" + kind + "s")
                .then().statusCode(202).extract().response();
        UUID id = UUID.fromString(accepted.path("resource.id"));
        UUID operation = UUID.fromString(accepted.path("operation.id"));

        Map<String, Long> records = records(tenant);
        // The tenant's first server or workload in the region also admitted its default network (through the
        // same pipeline, counted against no quota): one more decision, operation, REQUESTED event and audit entry.
        assertThat(records).containsExactlyInAnyOrderEntriesOf(Map.of(
                kind, 1L, "network", 1L, "quota_reservation", 1L, "placement_decision", 2L, "operation", 2L,
                "lifecycle_event", 2L, "audit " + kind + ".requested", 1L, "audit network.requested", 1L));
        assertThat(one("SELECT count(*) FROM network n JOIN " + kind + " r ON r.network_id = n.id"
                + " WHERE r.id = ?1 AND n.is_default AND n.quota_reservation_id IS NULL", id))
                .as("the resource is in the default network, which holds no reservation").isEqualTo(1);
        assertThat(one("SELECT count(*) FROM " + kind + " r JOIN quota_reservation q ON q.id = r.quota_reservation_id"
                + " WHERE r.id = ?1 AND q.state = 'HELD'", id)).as("the row holds the pipeline's reservation").isEqualTo(1);
        assertThat(one("SELECT count(*) FROM placement_decision WHERE resource_id = ?1", id)).isEqualTo(1);
        assertThat(one("SELECT count(*) FROM operation WHERE id = ?1 AND target_id = ?2 AND target_type = ?3 AND kind = ?4",
                operation, id, kind, "CREATE_" + kind.toUpperCase())).isEqualTo(1);
        assertThat(one("SELECT count(*) FROM lifecycle_event WHERE resource_id = ?1 AND kind = 'REQUESTED' AND resource_type = ?2",
                id, kind)).isEqualTo(1);
        assertThat(one("SELECT count(*) FROM audit_log WHERE target_id = ?1 AND action = ?2", id.toString(),
                kind + ".requested")).isEqualTo(1);
        as(Tokens.tenant(tenant)).get("/v1/" + kind + "s/" + id + "/placement").then().statusCode(200)
                .body("outcome", equalTo("placed"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"server", "workload"})
    void aRequestRefusedByQuotaLeavesNothing(String kind) {
        // One vCPU of quota: a server of m1.large (4 vCPU) or a workload of 3 x 1000m does not fit it.
        UUID tenant = createTenant(uniqueName("pipe"), quota(1, 32, 4, 4, 1));
        UUID project = createProject(tenant, "apps");
        as(Tokens.tenant(tenant)).body(request(kind, project, "big", null)).post("/v1/" + kind + "s")
                .then().statusCode(409).body("type", equalTo("urn:skydeck:problem:quota-exceeded"));
        assertNothingFor(tenant);
    }

    @ParameterizedTest
    @ValueSource(strings = {"server", "workload"})
    void aRequestRefusedByPlacementLeavesNothingAndGivesTheQuotaBack(String kind) {
        UUID tenant = createTenant(uniqueName("pipe"), quota(8, 32, 4, 4, 1));
        UUID project = createProject(tenant, "apps");
        as(Tokens.tenant(tenant)).body(request(kind, project, "nowhere", "no-such-region")).post("/v1/" + kind + "s")
                .then().statusCode(409).body("type", equalTo("urn:skydeck:problem:no-placement"));
        assertNothingFor(tenant);
        as(Tokens.tenant(tenant)).get("/v1/tenants/" + tenant + "/quota").then()
                .body("used.vcpu", equalTo(0)).body("used.servers", equalTo(0)).body("used.workloads", equalTo(0));
    }

    private void assertNothingFor(UUID tenant) {
        Map<String, Long> records = records(tenant);
        assertThat(records.values()).as("records of a refused request: %s", records).allMatch(n -> n == 0);
    }

    private static Map<String, Object> request(String kind, UUID project, String name, String region) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("projectId", project.toString());
        body.put("name", name);
        if (kind.equals("server")) {
            body.put("flavor", "m1.large");
            body.put("image", "debian-12");
        } else {
            body.put("kind", "Deployment");
            body.put("image", "nginx:1.27");
            body.put("replicas", 3);
            body.put("cpuMillis", 1000);
            body.put("memoryMib", 256);
        }
        if (region != null) {
            body.put("hints", Map.of("region", region));
        }
        return body;
    }

    /**
     * What the pipeline writes, counted per table for one tenant (the audit log by the requested action;
     * events and operations as the pipeline writes them — REQUESTED, and creates of what it admitted —
     * not what the runner adds meanwhile, such as a default network's subnet creates and CREATED event).
     */
    private Map<String, Long> records(UUID tenant) {
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, String> written = Map.of("operation", " AND target_type IN ('server', 'workload', 'network')",
                "lifecycle_event", " AND kind = 'REQUESTED'");
        for (String table : List.of("server", "workload", "network", "quota_reservation", "placement_decision", "operation",
                "lifecycle_event")) {
            long n = one("SELECT count(*) FROM " + table + " WHERE tenant_id = ?1" + written.getOrDefault(table, ""), tenant);
            if (n > 0 || !(table.equals("server") || table.equals("workload"))) {
                counts.put(table, n);
            }
        }
        for (String action : List.of("server.requested", "workload.requested", "network.requested")) {
            long n = one("SELECT count(*) FROM audit_log WHERE tenant_id = ?1 AND action = ?2", tenant, action);
            if (n > 0) {
                counts.put("audit " + action, n);
            }
        }
        return counts;
    }

    private long one(String sql, Object... params) {
        return QuarkusTransaction.requiringNew().call(() -> {
            var query = em.createNativeQuery(sql);
            for (int i = 0; i < params.length; i++) {
                query.setParameter(i + 1, params[i]);
            }
            return ((Number) query.getSingleResult()).longValue();
        });
    }
}
