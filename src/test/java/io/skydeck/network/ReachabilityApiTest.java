package io.skydeck.network;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
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
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

@QuarkusTest
class ReachabilityApiTest {

    @Test
    void answersWithThePathAndTheDecidingRulesOrTheHopThatDenies() {
        UUID tenant = createTenant(uniqueName("reach"), quota(16, 64, 4, 0, 1, 1));
        UUID project = createProject(tenant, "shop");
        String token = Tokens.tenant(tenant);
        String network = network(token, project);
        String web = group(token, project, network, "web", List.of(rule("ingress", "tcp", 443, "0.0.0.0/0", null),
                rule("egress", "any", null, "0.0.0.0/0", null)));
        String db = group(token, project, network, "db", List.of(rule("ingress", "tcp", 5432, null, web)));
        String front = server(token, project, network, "front", web);
        String store = server(token, project, network, "store", db);

        Response allowed = ask(token, Map.of("server", front), Map.of("server", store), "tcp", 5432).then().statusCode(200)
                .body("reachable", equalTo(true))
                .body("egress.group", equalTo("web")).body("egress.rule", equalTo(1))
                .body("ingress.group", equalTo("db")).body("ingress.rule", equalTo(0)).body("ingress.groupId", equalTo(db))
                .extract().response();
        assertThat(allowed.<String>path("path")).isIn("SAME_SUBNET", "SAME_VPC");

        ask(token, Map.of("server", front), Map.of("server", store), "tcp", 22).then().statusCode(200)
                .body("reachable", equalTo(false)).body("deniedAt", equalTo("DESTINATION_INGRESS"))
                .body("reason", containsString("no ingress rule allows tcp/22")).body("reason", containsString("db"));
        ask(token, Map.of("server", store), Map.of("server", front), "tcp", 443).then().statusCode(200)
                .body("reachable", equalTo(false)).body("deniedAt", equalTo("SOURCE_EGRESS"))
                .body("reason", containsString("no egress rule"));
        ask(token, Map.of("cidr", "198.51.100.0/24"), Map.of("server", front), "tcp", 443).then().statusCode(200)
                .body("reachable", equalTo(false)).body("deniedAt", equalTo("ROUTE")).body("path", nullValue());

        // With a public address, the internet reaches the front on 443, by its group's first rule.
        Response ip = as(token).body(Map.of("projectId", project.toString(), "region", "sbx-east-1")).post("/v1/public-ips")
                .then().statusCode(202).extract().response();
        awaitFinished(token, ip.path("operation.id"));
        Response associating = as(token).body(Map.of("serverId", front)).post("/v1/public-ips/" + ip.path("resource.id") + "/associate")
                .then().statusCode(202).extract().response();
        awaitFinished(token, associating.path("operation.id"));
        ask(token, Map.of("cidr", "198.51.100.0/24"), Map.of("server", front), "tcp", 443).then().statusCode(200)
                .body("reachable", equalTo(true)).body("path", equalTo("PUBLIC_IP"))
                .body("ingress.group", equalTo("web")).body("ingress.rule", equalTo(0)).body("egress", nullValue());

        // Bad questions are 400s naming the field; another tenant's server does not exist.
        ask(token, Map.of("server", front), Map.of("server", store), "tcp", 70000).then().statusCode(400)
                .body("errors[0].field", equalTo("port"));
        ask(token, Map.of("server", front), Map.of("server", store), "gre", null).then().statusCode(400)
                .body("errors[0].field", equalTo("protocol"));
        ask(token, Map.of("server", front, "cidr", "10.0.0.0/8"), Map.of("server", store), "tcp", 80).then().statusCode(400)
                .body("errors[0].field", equalTo("from"));
        ask(token, Map.of("cidr", "10.0.0.1/8"), Map.of("server", store), "tcp", 80).then().statusCode(400)
                .body("errors[0].field", equalTo("from.cidr"));
        UUID other = createTenant(uniqueName("reachother"), quota(4, 8, 1, 0, 0, 0));
        ask(Tokens.tenant(other), Map.of("cidr", "0.0.0.0/0"), Map.of("server", front), "tcp", 443).then().statusCode(404);

        // An operator names the tenant (answered on a worker thread, which reads the tenant): the same answer;
        // without one, a 400; a tenant that does not exist, a 404.
        Map<String, Object> named = new HashMap<>(Map.of("from", Map.of("server", front), "to", Map.of("server", store),
                "protocol", "tcp", "port", 5432));
        as(Tokens.admin()).body(named).post("/v1/networks/reachability").then().statusCode(400).body("errors[0].field", equalTo("tenantId"));
        named.put("tenantId", tenant.toString());
        as(Tokens.admin()).body(named).post("/v1/networks/reachability").then().statusCode(200)
                .body("reachable", equalTo(true)).body("ingress.group", equalTo("db"));
        named.put("tenantId", UUID.randomUUID().toString());
        as(Tokens.admin()).body(named).post("/v1/networks/reachability").then().statusCode(404).contentType(containsString("problem+json"));
    }

    @Inject
    ReachabilityService service;

    /**
     * A workload is a member of its network with its groups: inside the network its groups decide,
     * it reaches out through its nodes, nothing outside reaches it; a rule change is seen by the next
     * question, and an unchanged tenant is not read again.
     */
    @Test
    void workloadsOnEitherSideAndChangesSeenAtOnce() {
        UUID tenant = createTenant(uniqueName("reachwl"), quota(16, 64, 4, 4, 1, 1));
        UUID project = createProject(tenant, "shop");
        String token = Tokens.tenant(tenant);
        String network = network(token, project, "10.81.0.0/16");
        String web = group(token, project, network, "web", List.of(rule("ingress", "tcp", 443, "0.0.0.0/0", null),
                rule("egress", "any", null, "0.0.0.0/0", null)));
        String api = group(token, project, network, "api", List.of(rule("egress", "tcp", 443, "0.0.0.0/0", null),
                rule("ingress", "tcp", 8080, null, web), rule("egress", "tcp", 5432, "10.81.0.0/16", null)));
        String db = group(token, project, network, "db", List.of(rule("ingress", "tcp", 5432, null, web)));
        String front = server(token, project, network, "front", web);
        String store = server(token, project, network, "store", db);
        String worker = workload(token, project, network, "worker", api);

        // server -> workload: the workload's group admits the web group by reference.
        ask(token, Map.of("server", front), Map.of("workload", worker), "tcp", 8080).then().statusCode(200)
                .body("reachable", equalTo(true)).body("path", equalTo("SAME_VPC"))
                .body("egress.group", equalTo("web")).body("egress.rule", equalTo(1))
                .body("ingress.group", equalTo("api")).body("ingress.rule", equalTo(1)).body("ingress.groupId", equalTo(api));
        // workload -> server: out by its group's rule to the network's range, stopped at the db, naming group and port.
        ask(token, Map.of("workload", worker), Map.of("server", store), "tcp", 5432).then().statusCode(200)
                .body("reachable", equalTo(false)).body("deniedAt", equalTo("DESTINATION_INGRESS")).body("path", equalTo("SAME_VPC"))
                .body("reason", containsString("no ingress rule allows tcp/5432 from workload " + worker))
                .body("reason", containsString("on group db"));
        // workload -> CIDR: out through its nodes by its first rule; CIDR -> workload: nothing outside reaches it.
        ask(token, Map.of("workload", worker), Map.of("cidr", "198.51.100.0/24"), "tcp", 443).then().statusCode(200)
                .body("reachable", equalTo(true)).body("path", equalTo("OUTBOUND_NAT"))
                .body("egress.group", equalTo("api")).body("egress.rule", equalTo(0)).body("ingress", nullValue());
        ask(token, Map.of("cidr", "198.51.100.0/24"), Map.of("workload", worker), "tcp", 8080).then().statusCode(200)
                .body("reachable", equalTo(false)).body("deniedAt", equalTo("ROUTE")).body("reason", containsString("no public IP"));

        // The db admits the network's range and the workload's group: the very next question sees it. The range rule
        // does not match the workload (its pods' addresses are not known), the group rule does.
        replaceRules(token, db, List.of(rule("ingress", "tcp", 5432, null, web), rule("ingress", "tcp", 5432, "10.81.0.0/16", null),
                rule("ingress", "tcp", 5432, null, api)));
        ask(token, Map.of("workload", worker), Map.of("server", store), "tcp", 5432).then().statusCode(200)
                .body("reachable", equalTo(true)).body("path", equalTo("SAME_VPC"))
                .body("egress.group", equalTo("api")).body("egress.rule", equalTo(2))
                .body("ingress.group", equalTo("db")).body("ingress.rule", equalTo(2));

        // Nothing changed: the next questions reuse the tenant's topology, they do not rebuild it.
        long builds = service.builds();
        ask(token, Map.of("server", front), Map.of("workload", worker), "tcp", 8080).then().statusCode(200);
        ask(token, Map.of("workload", worker), Map.of("server", store), "tcp", 5432).then().statusCode(200);
        assertThat(service.builds()).isEqualTo(builds);

        // Another tenant's workload does not exist for this one.
        UUID other = createTenant(uniqueName("reachwlother"), quota(4, 8, 1, 1, 0, 0));
        ask(Tokens.tenant(other), Map.of("cidr", "0.0.0.0/0"), Map.of("workload", worker), "tcp", 443).then().statusCode(404)
                .contentType(containsString("problem+json"));
        ask(Tokens.tenant(other), Map.of("workload", worker), Map.of("cidr", "0.0.0.0/0"), "tcp", 443).then().statusCode(404);
        // A workload that names no network is in the tenant's default network, which has no route to the store's.
        String loose = workload(token, project, null, "loose", null);
        ask(token, Map.of("workload", loose), Map.of("server", store), "tcp", 5432).then().statusCode(200)
                .body("reachable", equalTo(false)).body("deniedAt", equalTo("ROUTE"));
    }

    private static void replaceRules(String token, String group, List<Map<String, Object>> rules) {
        Response accepted = as(token).body(Map.of("rules", rules)).put("/v1/security-groups/" + group + "/rules")
                .then().statusCode(202).extract().response();
        awaitFinished(token, accepted.path("operation.id"));
    }

    private static String workload(String token, UUID project, String network, String name, String group) {
        Map<String, Object> request = new HashMap<>(Map.of("projectId", project.toString(), "name", name, "image", "nginx",
                "replicas", 1, "cpuMillis", 100, "memoryMib", 64));
        if (network != null) {
            request.put("networkId", network);
            request.put("securityGroups", List.of(group));
        }
        Response accepted = as(token).body(request).post("/v1/workloads").then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        return accepted.path("resource.id");
    }

    private static Response ask(String token, Map<String, Object> from, Map<String, Object> to, String protocol, Integer port) {
        Map<String, Object> question = new HashMap<>();
        question.put("from", from);
        question.put("to", to);
        question.put("protocol", protocol);
        question.put("port", port);
        return as(token).body(question).post("/v1/networks/reachability");
    }

    private static String network(String token, UUID project) {
        return network(token, project, "10.80.0.0/16");
    }

    /** The sandbox refuses an address any of its servers holds, whatever the subnet: each test its own range. */
    private static String network(String token, UUID project, String cidr) {
        Response accepted = as(token).body(Map.of("projectId", project.toString(), "name", "shop", "cidr", cidr,
                "hints", Map.of("region", "sbx-east-1"))).post("/v1/networks").then().statusCode(202).extract().response();
        awaitFinished(token, accepted.path("operation.id"));
        String id = accepted.path("resource.id");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!as(token).get("/v1/networks/" + id).then().extract().<List<String>>path("subnets.status").stream()
                .allMatch("AVAILABLE"::equals)) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.onSpinWait();
        }
        return id;
    }

    private static String group(String token, UUID project, String network, String name, List<Map<String, Object>> rules) {
        Response accepted = as(token).body(Map.of("projectId", project.toString(), "networkId", network, "name", name, "rules", rules))
                .post("/v1/security-groups").then().statusCode(202).extract().response();
        String id = accepted.path("resource.id");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"AVAILABLE".equals(as(token).get("/v1/security-groups/" + id).then().extract().path("status"))) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.onSpinWait();
        }
        return id;
    }

    private static String server(String token, UUID project, String network, String name, String group) {
        Response accepted = as(token).body(Map.of("projectId", project.toString(), "name", name, "flavor", "m1.small",
                        "image", "debian-12", "networkId", network, "securityGroups", List.of(group)))
                .post("/v1/servers").then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        return accepted.path("resource.id");
    }

    private static Map<String, Object> rule(String direction, String protocol, Integer port, String cidr, String remoteGroup) {
        Map<String, Object> rule = new HashMap<>();
        rule.put("direction", direction);
        rule.put("protocol", protocol);
        rule.put("portFrom", port);
        rule.put("portTo", port);
        rule.put("remoteCidr", cidr);
        rule.put("remoteGroup", remoteGroup);
        return rule;
    }
}
