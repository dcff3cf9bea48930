package io.skydeck.tenancy;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

@QuarkusTest
class TenantApiTest {

    @Test
    void adminCreatesATenantWithDefaultQuota() {
        String name = uniqueName("acme");
        String id = as(Tokens.admin()).body(Map.of("name", name, "displayName", "Acme Corp"))
                .post("/v1/tenants")
                .then().statusCode(201)
                .header("Location", containsString("/v1/tenants/"))
                .header("ETag", equalTo("\"0\""))
                .body("name", equalTo(name))
                .body("displayName", equalTo("Acme Corp"))
                .body("status", equalTo("ACTIVE"))
                .extract().path("id");

        as(Tokens.admin()).get("/v1/tenants/" + id + "/quota")
                .then().statusCode(200)
                .body("limits.vcpu", equalTo(64))
                .body("limits.memoryGib", equalTo(256))
                .body("limits.servers", equalTo(20))
                .body("limits.publicIps", equalTo(5))
                .body("used.vcpu", equalTo(0))
                .body("available.vcpu", equalTo(64));
    }

    @Test
    void aTenantNameIsUnique() {
        String name = uniqueName("twice");
        createTenant(name);
        as(Tokens.admin()).body(Map.of("name", name)).post("/v1/tenants")
                .then().statusCode(409)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:conflict"))
                .body("detail", containsString(name));
    }

    @Test
    void invalidFieldsAreReportedOneByOne() {
        as(Tokens.admin()).body(Map.of("name", "Not A Label", "quota", quota(-1, 1, 1, 1, 1)))
                .post("/v1/tenants")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:validation"))
                .body("errors.field", hasItem("name"))
                .body("errors.field", hasItem("quota.vcpu"));
    }

    @Test
    void malformedJsonUnknownFieldsAndWrongTypesAre400NotServerErrors() {
        as(Tokens.admin()).body("{\"name\": \"x\",").post("/v1/tenants")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:malformed-request"))
                .body("detail", startsWith("malformed JSON at line 1"))
                .body("requestId", notNullValue());
        as(Tokens.admin()).body("{\"name\": \"x\", \"owner\": \"bob\"}").post("/v1/tenants")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("owner"))
                .body("detail", equalTo("unknown field 'owner'"));
        as(Tokens.admin()).body("{\"name\": \"x\", \"quota\": {\"vcpu\": \"many\"}}").post("/v1/tenants")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("quota.vcpu"));
        as(Tokens.admin()).body("[1, 2]").post("/v1/tenants")
                .then().statusCode(400).contentType("application/problem+json");
        as(Tokens.admin()).body("").post("/v1/tenants")
                .then().statusCode(400).contentType("application/problem+json");
        as(Tokens.admin()).contentType("text/plain").body("name=x").post("/v1/tenants")
                .then().statusCode(415).contentType("application/problem+json");
    }

    @Test
    void anUnknownTenantIsAProblemNotAStackTrace() {
        as(Tokens.admin()).get("/v1/tenants/" + UUID.randomUUID())
                .then().statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:not-found"));
        as(Tokens.admin()).get("/v1/tenants/not-a-uuid")
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void updatesHonourIfMatchLikeResourceVersion() {
        UUID id = createTenant(uniqueName("etag"));

        String etag = as(Tokens.admin()).get("/v1/tenants/" + id).then().statusCode(200).extract().header("ETag");
        assertThat(etag).isEqualTo("\"0\"");

        as(Tokens.admin()).header("If-Match", etag).body(Map.of("displayName", "First"))
                .patch("/v1/tenants/" + id)
                .then().statusCode(200).header("ETag", equalTo("\"1\"")).body("displayName", equalTo("First"));

        // A second writer still holding version 0 must not overwrite the first.
        as(Tokens.admin()).header("If-Match", etag).body(Map.of("displayName", "Second"))
                .patch("/v1/tenants/" + id)
                .then().statusCode(412).contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:precondition-failed"));

        as(Tokens.admin()).get("/v1/tenants/" + id).then().body("displayName", equalTo("First"));
    }

    @Test
    void aSuspendedTenantCannotReserveQuota() {
        UUID id = createTenant(uniqueName("suspend"));
        as(Tokens.admin()).body(Map.of("status", "SUSPENDED")).patch("/v1/tenants/" + id)
                .then().statusCode(200).body("status", equalTo("SUSPENDED"));
        as(Tokens.tenant(id)).body(Map.of("purpose", "vm", "amounts", quota(1, 1, 1, 0, 0)))
                .post("/v1/tenants/" + id + "/quota/reservations")
                .then().statusCode(409).body("detail", containsString("suspended"));
    }

    @Test
    void listsPageWithAnOpaqueCursorAndFilter() {
        String prefix = uniqueName("page");
        Set<String> created = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            created.add(createTenant(prefix + "-" + i).toString());
        }
        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            var request = as(Tokens.admin()).queryParam("limit", 2);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            Response page = request.get("/v1/tenants").then().statusCode(200).extract().response();
            List<String> ids = page.path("items.id");
            assertThat(ids.size()).isLessThanOrEqualTo(2);
            for (String id : ids) {
                assertThat(seen.add(id)).as("no tenant appears on two pages").isTrue();
            }
            cursor = page.path("nextCursor");
            pages++;
        } while (cursor != null && pages < 10_000);
        assertThat(seen).containsAll(created);

        as(Tokens.admin()).queryParam("name", prefix + "-3").get("/v1/tenants")
                .then().statusCode(200).body("items.size()", equalTo(1)).body("items[0].name", equalTo(prefix + "-3"))
                .body("nextCursor", nullValue());
    }

    @Test
    void limitAndCursorAreValidated() {
        as(Tokens.admin()).queryParam("limit", 0).get("/v1/tenants")
                .then().statusCode(400).body("errors[0].field", equalTo("limit"));
        as(Tokens.admin()).queryParam("limit", 100_000).get("/v1/tenants")
                .then().statusCode(400).body("errors[0].field", equalTo("limit"));
        as(Tokens.admin()).queryParam("cursor", "garbage!").get("/v1/tenants")
                .then().statusCode(400).body("errors[0].field", equalTo("cursor"));
        as(Tokens.admin()).queryParam("status", "SLEEPING").get("/v1/tenants")
                .then().statusCode(400).body("errors[0].field", equalTo("status"));
        as(Tokens.admin()).queryParam("tenantId", "nope").get("/v1/projects")
                .then().statusCode(400).body("errors[0].field", equalTo("tenantId"));
    }

    @Test
    void projectsBelongToATenantAndAreUniqueWithinIt() {
        UUID tenant = createTenant(uniqueName("proj"));
        String project = as(Tokens.tenant(tenant)).body(Map.of("name", "web", "description", "front end"))
                .post("/v1/tenants/" + tenant + "/projects")
                .then().statusCode(201).body("tenantId", equalTo(tenant.toString())).extract().path("id");
        as(Tokens.tenant(tenant)).body(Map.of("name", "web")).post("/v1/tenants/" + tenant + "/projects")
                .then().statusCode(409);

        as(Tokens.tenant(tenant)).get("/v1/projects")
                .then().statusCode(200).body("items.id", equalTo(List.of(project)));
        as(Tokens.tenant(tenant)).header("If-Match", "\"0\"").body(Map.of("description", "shop"))
                .patch("/v1/projects/" + project)
                .then().statusCode(200).body("description", equalTo("shop")).header("ETag", equalTo("\"1\""));
        as(Tokens.tenant(tenant)).header("If-Match", "\"0\"").delete("/v1/projects/" + project)
                .then().statusCode(412);
        as(Tokens.tenant(tenant)).delete("/v1/projects/" + project).then().statusCode(204);
        as(Tokens.tenant(tenant)).get("/v1/projects/" + project).then().statusCode(404);
    }
}
