package io.skydeck.platform;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.skydeck.support.Operations;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every list the API documents follows one convention, found by walking {@code /q/openapi}
 * rather than a list kept by hand, so a new list cannot slip past: a GET whose answer is an array,
 * or an object with {@code items}, must answer {@code {"items": [...], "nextCursor": ...}}, take
 * {@code cursor} and {@code limit}, refuse {@code limit} 0 and 501 (and a cursor it never issued)
 * with a problem+json 400, and, paged by {@code nextCursor} in small pages, give exactly the rows
 * one large page gives, in the same order — none twice, none missed.
 */
@QuarkusTest
class ListConventionTest {

    private static final Pattern TEMPLATE = Pattern.compile("\\{[^}]+}");

    /** Lists this test fills with two rows or more, so their paging is really exercised. */
    private static final Set<String> SEEDED = Set.of("/v1/tenants", "/v1/projects", "/v1/tenants/{id}/quota/reservations",
            "/v1/servers", "/v1/servers/{id}/events", "/v1/workloads/{id}/events", "/v1/operations", "/v1/audit",
            "/v1/capacity", "/v1/capacity/hosts", "/v1/providers/{name}/flavors", "/v1/rate-cards", "/v1/commitments", "/v1/bill-imports",
            "/v1/reconciliations", "/v1/invoices", "/v1/networks", "/v1/networks/{id}/subnets", "/v1/networks/{id}/ipam",
            "/v1/applications/{id}/groups", "/v1/applications/{id}/versions", "/v1/releases/{id}/events");

    @Test
    void everyListPagesTheSameWayAndRefusesABadLimit() {
        Map<String, String> samples = seed();
        JsonPath openapi = RestAssured.given().queryParam("format", "json").get("/q/openapi")
                .then().statusCode(200).extract().jsonPath();
        Map<String, Map<String, Object>> paths = openapi.getMap("paths");

        List<String> lists = new ArrayList<>();
        Set<String> paged = new HashSet<>();
        for (var entry : paths.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> get = (Map<String, Object>) entry.getValue().get("get");
            if (get == null || !isList(openapi, get)) {
                continue;
            }
            String template = entry.getKey();
            lists.add(template);
            assertThat(schemaOf(openapi, get)).as("%s answers an object, not a bare array", template).containsKey("properties");
            assertThat(propertyNames(openapi, get)).as("%s documents items and nextCursor", template)
                    .contains("items", "nextCursor");
            assertThat(queryParameters(get)).as("%s takes cursor and limit", template).contains("cursor", "limit");

            String path = concrete(template, samples);
            String token = tokenFor(path);
            for (int bad : new int[] {0, 501}) {
                as(token).queryParam("limit", bad).get(path).then().statusCode(400)
                        .contentType("application/problem+json");
            }
            as(token).queryParam("cursor", "not-a-cursor").get(path).then().statusCode(400)
                    .contentType("application/problem+json");

            // Everything, in pages of the largest size (other tests may have filled a list past 500 rows).
            List<Object> everything = new ArrayList<>();
            String next = null;
            for (int pages = 0; pages == 0 || next != null; pages++) {
                assertThat(pages).as("%s ends within 20 pages of 500", template).isLessThan(20);
                var request = as(token).queryParam("limit", 500);
                if (next != null) {
                    request = request.queryParam("cursor", next);
                }
                JsonPath page = request.get(path).then().statusCode(200).extract().jsonPath();
                List<Object> items = page.getList("items");
                assertThat(items).as("%s items", template).isNotNull();
                everything.addAll(items);
                next = page.getString("nextCursor");
                assertThat(next == null || items.size() == 500).as("%s: a page before the last is full", template).isTrue();
            }
            // One row a page up to 8 rows; a longer list (the audit log, flavors) in about 8 pages.
            int step = Math.max(1, everything.size() / 8);
            assertThat(pageBy(step, path, token)).as("%s paged by nextCursor, limit=%d", template, step)
                    .containsExactlyElementsOf(identities(everything));
            if (everything.size() >= 2) {
                paged.add(template);
            }
        }
        assertThat(lists).as("lists found in the OpenAPI document").containsAll(SEEDED);
        assertThat(paged).as("lists holding two rows or more, so paging was exercised").containsAll(SEEDED);
    }

    /** Everything seeded once; answers a sample value for each path template's parameter. */
    private Map<String, String> seed() {
        UUID tenant = createTenant(uniqueName("lists"));
        createTenant(uniqueName("lists"));
        UUID project = createProject(tenant, "one");
        createProject(tenant, "two");
        String owner = Tokens.tenant(tenant);
        for (int i = 0; i < 2; i++) {
            as(owner).body(Map.of("purpose", "r" + i, "amounts", Map.of("vcpu", 1, "memoryGib", 1, "servers", 0, "workloads", 0,
                    "publicIps", 0))).post("/v1/tenants/" + tenant + "/quota/reservations").then().statusCode(201);
        }
        Response server = as(owner).body(Map.of("projectId", project.toString(), "name", "vm", "flavor", "m1.tiny",
                "image", "debian-12")).post("/v1/servers").then().statusCode(202).extract().response();
        Operations.awaitFinished(owner, server.path("operation.id"));
        as(owner).body(Map.of("projectId", project.toString(), "name", "vm2", "flavor", "m1.tiny", "image", "debian-12"))
                .post("/v1/servers").then().statusCode(202);
        Response workload = as(owner).body(Map.of("projectId", project.toString(), "name", "wl", "image", "nginx",
                "replicas", 1, "cpuMillis", 100, "memoryMib", 64)).post("/v1/workloads").then().statusCode(202).extract().response();
        Operations.awaitFinished(owner, workload.path("operation.id"));
        // Two networks; the first one's two zones each get a subnet, and a server in each zone claims a block there.
        String network = null;
        for (String cidr : new String[] {"10.91.0.0/16", "10.92.0.0/16"}) {
            Response created = as(owner).body(Map.of("projectId", project.toString(), "name", "net" + cidr.substring(3, 5),
                    "cidr", cidr, "hints", Map.of("region", "sbx-east-1"))).post("/v1/networks").then().statusCode(202).extract().response();
            Operations.awaitFinished(owner, created.path("operation.id"));
            network = network == null ? created.path("resource.id") : network;
        }
        for (int tries = 0; !as(owner).get("/v1/networks/" + network).then().extract().<List<String>>path("subnets.status")
                .stream().allMatch("AVAILABLE"::equals); tries++) {
            assertThat(tries).as("subnets available").isLessThan(600);
            Operations.pause(50);
        }
        for (String zone : new String[] {"sbx-east-1a", "sbx-east-1b"}) {
            Response inNetwork = as(owner).body(Map.of("projectId", project.toString(), "name", "in-" + zone, "flavor", "m1.tiny",
                    "image", "debian-12", "networkId", network, "hints", Map.of("zone", zone))).post("/v1/servers")
                    .then().statusCode(202).extract().response();
            Operations.awaitFinished(owner, inNetwork.path("operation.id"));
        }
        // Every operation ends before the lists are read, so no row changes between two pages.
        for (Object op : as(owner).queryParam("limit", 500).get("/v1/operations").then().extract().jsonPath().getList("items.id")) {
            Operations.awaitFinished(owner, (String) op);
        }

        String name = uniqueName("cards");
        for (int version = 0; version < 2; version++) {
            as(Tokens.finance()).body(Map.of("name", name, "provider", "sandbox", "region", "*", "currency", "USD",
                    "effectiveFrom", "2026-01-01T00:00:00Z", "rates", List.of(Map.of("meter", "SERVER_HOURS",
                            "price", Map.of("type", "per-unit", "unitPrice", 0.08)))))
                    .post("/v1/rate-cards").then().statusCode(201);
        }
        for (String from : new String[] {"2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"}) {
            as(Tokens.finance()).body(Map.of("tenantId", tenant.toString(), "type", "spend", "provider", "sandbox",
                    "hourlyCommitment", 0.02, "discountRate", 0.3, "currency", "USD", "effectiveFrom", from,
                    "effectiveTo", "2027-01-01T00:00:00Z")).post("/v1/commitments").then().statusCode(201);
        }
        for (String resource : new String[] {"srv-list-" + UUID.randomUUID(), "srv-list-" + UUID.randomUUID()}) {
            String bill = "BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ProviderName,"
                    + "ResourceId,ServiceName,SkuId,ConsumedQuantity,ConsumedUnit,ListCost,BilledCost,BillingCurrency\n"
                    + "2025-03-01T00:00:00Z,2025-04-01T00:00:00Z,2025-03-02T10:00:00Z,2025-03-02T11:00:00Z,Usage,sandbox,"
                    + resource + ",Virtual Machines,SERVER_HOURS:m1.large,1,Hour,0.08,0.08,USD\n";
            as(Tokens.finance()).contentType("text/csv").queryParam("provider", "sandbox").body(bill)
                    .post("/v1/bill-imports").then().statusCode(201);
        }
        for (String period : new String[] {"2025-01", "2025-02"}) {
            String runId = as(Tokens.finance()).body(Map.of("provider", "sandbox", "period", period)).post("/v1/reconciliations")
                    .then().statusCode(202).extract().path("id");
            io.skydeck.finance.ReconciliationApiTest.awaitReconciliation(runId);
            as(Tokens.finance()).body(Map.of("tenantId", tenant.toString(), "period", period)).post("/v1/invoices")
                    .then().statusCode(201);
        }

        // An application with two groups and two versions, and a release run to its end (its events are a list too).
        String app = as(owner).body(Map.of("name", "shop")).post("/v1/applications").then().statusCode(201).extract().path("id");
        String group = null;
        for (String groupName : new String[] {"web", "api"}) {
            String made = as(owner).body(Map.of("name", groupName, "serverIds", List.of(server.<String>path("resource.id"))))
                    .post("/v1/applications/" + app + "/groups").then().statusCode(201).extract().path("id");
            group = group == null ? made : group;
        }
        String version = null;
        for (String versionName : new String[] {"v1", "v2"}) {
            String made = as(owner).body(Map.of("name", versionName, "image", "shop:" + versionName))
                    .post("/v1/applications/" + app + "/versions").then().statusCode(201).extract().path("id");
            version = version == null ? made : version;
        }
        String release = as(owner).body(Map.of("groupId", group, "versionId", version, "bastion", false)).post("/v1/releases")
                .then().statusCode(202).extract().path("id");
        for (int tries = 0; !"SUCCEEDED".equals(as(owner).get("/v1/releases/" + release).then().extract().path("state")); tries++) {
            assertThat(tries).as("release finished").isLessThan(600);
            Operations.pause(50);
        }

        Map<String, String> samples = new LinkedHashMap<>();
        samples.put("/v1/applications/{id}/groups", app);
        samples.put("/v1/applications/{id}/versions", app);
        samples.put("/v1/releases/{id}/events", release);
        samples.put("/v1/servers/{id}/events", server.path("resource.id"));
        samples.put("/v1/workloads/{id}/events", workload.path("resource.id"));
        samples.put("/v1/tenants/{id}/quota/reservations", tenant.toString());
        samples.put("/v1/providers/{name}/flavors", "sandbox");
        samples.put("/v1/networks/{id}/subnets", network);
        samples.put("/v1/networks/{id}/ipam", network);
        samples.put("/v1/networks/{id}/routes", network);
        return samples;
    }

    private static String concrete(String template, Map<String, String> samples) {
        Matcher m = TEMPLATE.matcher(template);
        if (!m.find()) {
            return template;
        }
        String value = samples.get(template);
        if (value == null) {
            fail("%s is a list with a path parameter this test has no sample for: add one to seed()", template);
        }
        return m.replaceFirst(Matcher.quoteReplacement(value));
    }

    /** The first role that may read the list: lists are for operators, finance or schedulers. */
    private static String tokenFor(String path) {
        for (String token : List.of(Tokens.admin(), Tokens.finance(), Tokens.scheduler())) {
            if (as(token).queryParam("limit", 1).get(path).statusCode() != 403) {
                return token;
            }
        }
        return fail("no role may read %s", path);
    }

    private static List<Object> pageBy(int limit, String path, String token) {
        List<Object> seen = new ArrayList<>();
        String cursor = null;
        for (int pages = 0; pages < 1000; pages++) {
            var request = as(token).queryParam("limit", limit);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            JsonPath page = request.get(path).then().statusCode(200).extract().jsonPath();
            List<Object> items = page.getList("items");
            assertThat(items).as("%s page %d", path, pages).hasSizeLessThanOrEqualTo(limit);
            seen.addAll(identities(items));
            cursor = page.getString("nextCursor");
            if (cursor == null) {
                return seen;
            }
            assertThat(items).as("%s: a page with a next cursor is full", path).hasSize(limit);
        }
        return fail("%s did not end after 1000 pages", path);
    }

    /** A row's id (or name) where it has one, else the whole row: a provider's health time moves between calls. */
    private static List<Object> identities(List<Object> items) {
        return items.stream().map(ListConventionTest::identity).toList();
    }

    private static Object identity(Object item) {
        if (item instanceof Map<?, ?> m) {
            return m.get("id") != null ? m.get("id") : m.get("name") != null ? m.get("name") : m;
        }
        return item;
    }

    @SuppressWarnings("unchecked")
    private static boolean isList(JsonPath openapi, Map<String, Object> get) {
        Map<String, Object> schema = schemaOf(openapi, get);
        if (schema == null) {
            return false;
        }
        if ("array".equals(schema.get("type"))) {
            return true;
        }
        Map<String, Object> properties = (Map<String, Object>) schema.get("properties");
        return properties != null && properties.get("items") instanceof Map<?, ?> items && "array".equals(items.get("type"));
    }

    @SuppressWarnings("unchecked")
    private static Set<String> propertyNames(JsonPath openapi, Map<String, Object> get) {
        return ((Map<String, Object>) schemaOf(openapi, get).get("properties")).keySet();
    }

    /** The 200 answer's JSON schema, its {@code $ref} followed; null when it has none. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> schemaOf(JsonPath openapi, Map<String, Object> get) {
        Map<String, Object> ok = (Map<String, Object>) ((Map<String, Object>) get.get("responses")).get("200");
        if (ok == null || !(ok.get("content") instanceof Map<?, ?> content)
                || !(content.get("application/json") instanceof Map<?, ?> json)
                || !(json.get("schema") instanceof Map<?, ?> schema)) {
            return null;
        }
        Object ref = schema.get("$ref");
        if (ref == null) {
            return (Map<String, Object>) schema;
        }
        String name = ((String) ref).substring("#/components/schemas/".length());
        return openapi.getMap("components.schemas.'" + name + "'");
    }

    @SuppressWarnings("unchecked")
    private static List<String> queryParameters(Map<String, Object> get) {
        List<Map<String, Object>> parameters = (List<Map<String, Object>>) get.getOrDefault("parameters", List.of());
        return parameters.stream().filter(p -> "query".equals(p.get("in"))).map(p -> (String) p.get("name")).toList();
    }
}
