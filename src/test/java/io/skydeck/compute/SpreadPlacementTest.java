package io.skydeck.compute;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;

/** The weighers are configuration: with SPREAD and no cost preference, servers go to empty hosts. */
@QuarkusTest
@TestProfile(SpreadPlacementTest.Spread.class)
class SpreadPlacementTest {

    public static class Spread implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("skydeck.placement.packing", "SPREAD", "skydeck.placement.cost-weight", "0");
        }
    }

    @Test
    void spreadPlacesTwoServersOfOneZoneOnDifferentHosts() {
        UUID tenant = createTenant(uniqueName("spread"), quota(16, 64, 4, 0, 0));
        UUID project = createProject(tenant, "apps");
        Map<String, Object> body = Map.of("projectId", project.toString(), "flavor", "m1.small", "image", "debian-12",
                "hints", Map.of("region", "sbx-west-1", "zone", "sbx-west-1a"));
        String first = place(tenant, body, "s1");
        String second = place(tenant, body, "s2");
        // With PACK (the default) the second would join the first, as ServerLifecycleTest's placements show.
        assertThat(second).isNotEqualTo(first);
    }

    private String place(UUID tenant, Map<String, Object> body, String name) {
        Map<String, Object> request = new java.util.HashMap<>(body);
        request.put("name", name);
        return as(Tokens.tenant(tenant)).body(request).post("/v1/servers").then().statusCode(202)
                .extract().path("resource.placement.host");
    }
}
