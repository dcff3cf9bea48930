package io.skydeck.network;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.SecurityRule;
import io.skydeck.drift.DriftDetector;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
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

@QuarkusTest
class SecurityGroupApiTest {

    @Inject
    ProviderRegistry providers;

    @Inject
    DriftDetector drift;

    UUID tenant;
    UUID project;
    String token;
    String network;

    @BeforeEach
    void aTenantWithANetwork() {
        tenant = createTenant(uniqueName("sgten"), quota(8, 16, 2, 0, 0, 2));
        project = createProject(tenant, "sec");
        token = Tokens.tenant(tenant);
        Response accepted = as(token).body(Map.of("projectId", project.toString(), "name", "vpc", "cidr", "10.60.0.0/16"))
                .post("/v1/networks").then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        network = accepted.path("resource.id");
    }

    @Test
    void groupsAreAppliedExactlyAsWrittenAndARemoteGroupBecomesTheProvidersGroupId() {
        String web = createAndAwait("web", List.of(rule("ingress", "tcp", 443, 443, "0.0.0.0/0", null),
                rule("egress", "any", null, null, "0.0.0.0/0", null)));
        String db = createAndAwait("db", List.of(rule("ingress", "tcp", 5432, 5432, null, web)));
        String webInProvider = as(token).get("/v1/security-groups/" + web).then().body("status", equalTo("AVAILABLE"))
                .extract().path("providerGroupId");
        String dbInProvider = as(token).get("/v1/security-groups/" + db).then().body("status", equalTo("AVAILABLE"))
                .body("rules[0].remoteGroup", equalTo(web)).extract().path("providerGroupId");

        assertThat(providerRules(webInProvider)).containsExactlyInAnyOrder(
                SecurityRule.ingressTcp(443, "0.0.0.0/0"),
                new SecurityRule(SecurityRule.Direction.EGRESS, SecurityRule.Protocol.ANY, 0, 0, "0.0.0.0/0"));
        assertThat(providerRules(dbInProvider)).containsExactly(
                SecurityRule.ingressTcpFromGroup(5432, webInProvider, SecurityRule.IpFamily.IPV4));

        // A change of rules leaves the provider's group holding exactly the new ones.
        Response changing = as(token).body(Map.of("rules", List.of(rule("ingress", "tcp", 5432, 5433, null, web),
                rule("ingress", "icmp", null, null, "10.60.0.0/16", null)))).put("/v1/security-groups/" + db + "/rules")
                .then().statusCode(202).body("resource.status", equalTo("APPLYING")).extract().response();
        assertThat(awaitFinished(token, changing.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        assertThat(providerRules(dbInProvider)).containsExactlyInAnyOrder(
                SecurityRule.withRemoteGroup(SecurityRule.Direction.INGRESS, SecurityRule.Protocol.TCP, 5432, 5433, webInProvider,
                        SecurityRule.IpFamily.IPV4),
                new SecurityRule(SecurityRule.Direction.INGRESS, SecurityRule.Protocol.ICMP, 0, 0, "10.60.0.0/16"));

        // A group another group's rule names cannot go first.
        as(token).delete("/v1/security-groups/" + web).then().statusCode(409)
                .body("detail", containsString("a rule of group db"));
        assertThat(awaitFinished(token, as(token).delete("/v1/security-groups/" + db).then().statusCode(202)
                .extract().path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        assertThat(groups().get(dbInProvider)).isEmpty();
        // The network is still in use by a group (asked while web surely exists: its delete may finish before the next request).
        as(token).delete("/v1/networks/" + network).then().statusCode(409).body("detail", containsString("security group"));
        as(token).delete("/v1/security-groups/" + web).then().statusCode(202);
    }

    @Test
    void aRuleChangedBehindOurBackIsReportedAndReappliedOnRequest() {
        String web = createAndAwait("edge", List.of(rule("ingress", "tcp", 22, 22, "192.0.2.0/24", null)));
        String inProvider = as(token).get("/v1/security-groups/" + web).then().extract().path("providerGroupId");
        ProviderSecurityRule held = groups().get(inProvider).orElseThrow().rules().get(0);
        awaitDone(groups().removeRule(inProvider, held.id()));
        awaitDone(groups().addRule(inProvider, SecurityRule.ingressTcp(3389, "0.0.0.0/0")));

        drift.syncAll();
        Response report = as(Tokens.admin()).queryParam("provider", "sandbox").get("/v1/drift").then().statusCode(200).extract().response();
        String where = "items.find { it.providerResourceId == '" + inProvider + "' }.";
        assertThat(report.<String>path(where + "kind")).isEqualTo("changed");
        assertThat(report.<String>path(where + "resourceType")).isEqualTo("security-group");
        assertThat(report.<String>path(where + "detail")).contains("missing: ingress tcp 22-22 from 192.0.2.0/24")
                .contains("unexpected: ingress tcp 3389-3389 from 0.0.0.0/0");

        Response reapply = as(token).post("/v1/security-groups/" + web + "/reapply").then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, reapply.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        assertThat(providerRules(inProvider)).containsExactly(SecurityRule.ingressTcp(22, "192.0.2.0/24"));
        drift.syncAll();
        as(Tokens.admin()).queryParam("provider", "sandbox").get("/v1/drift").then()
                .body("items.findAll { it.providerResourceId == '" + inProvider + "' }.size()", equalTo(0));
    }

    @Test
    void badRulesAreRefusedByFieldAndAnotherTenantsGroupDoesNotExist() {
        UUID other = createTenant(uniqueName("sgother"), quota(8, 16, 2, 0, 0, 2));
        String otherToken = Tokens.tenant(other);
        UUID otherProject = createProject(other, "theirs");
        Response theirNet = as(otherToken).body(Map.of("projectId", otherProject.toString(), "name", "theirs", "cidr", "10.61.0.0/16"))
                .post("/v1/networks").then().statusCode(202).extract().response();
        awaitFinished(otherToken, theirNet.path("operation.id"));
        Response theirs = as(otherToken).body(Map.of("projectId", otherProject.toString(), "networkId", theirNet.path("resource.id"),
                "name", "secret", "rules", List.of())).post("/v1/security-groups").then().statusCode(202).extract().response();
        String theirGroup = theirs.path("resource.id");

        as(token).body(group("bad", List.of(rule("ingress", "tcp", 80, 70000, "0.0.0.0/0", null),
                        rule("ingress", "tcp", 80, 80, "10.0.0.1/8", null),
                        rule("ingress", "tcp", 80, 80, null, theirGroup))))
                .post("/v1/security-groups").then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", equalTo(List.of("rules[0].portTo", "rules[1].remoteCidr", "rules[2].remoteGroup")))
                .body("errors[2].message", containsString("does not exist"))
                .body("errors[2].message", org.hamcrest.Matchers.not(containsString("another tenant")));
        as(token).get("/v1/security-groups/" + theirGroup).then().statusCode(404);
        as(token).body(Map.of("rules", List.of())).put("/v1/security-groups/" + theirGroup + "/rules").then().statusCode(404);
        as(token).delete("/v1/security-groups/" + theirGroup).then().statusCode(404);
        as(token).post("/v1/security-groups/" + theirGroup + "/reapply").then().statusCode(404).contentType("application/problem+json");
        // Their network is not ours to put a group in.
        as(token).body(Map.of("projectId", project.toString(), "networkId", theirNet.path("resource.id"), "name", "intruder",
                "rules", List.of())).post("/v1/security-groups").then().statusCode(404);
    }

    private String createAndAwait(String name, List<Map<String, Object>> rules) {
        Response accepted = as(token).body(group(name, rules)).post("/v1/security-groups").then().statusCode(202)
                .body("operation.kind", equalTo("CREATE_SECURITY_GROUP")).extract().response();
        String id = accepted.path("resource.id");
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"AVAILABLE".equals(as(token).get("/v1/security-groups/" + id).then().extract().path("status"))) {
            assertThat(System.nanoTime()).as("group " + name + " applied within 30 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
        return id;
    }

    private Map<String, Object> group(String name, List<Map<String, Object>> rules) {
        return Map.of("projectId", project.toString(), "networkId", network, "name", name, "rules", rules);
    }

    private static Map<String, Object> rule(String direction, String protocol, Integer from, Integer to, String cidr, String group) {
        Map<String, Object> rule = new HashMap<>();
        rule.put("direction", direction);
        rule.put("protocol", protocol);
        rule.put("portFrom", from);
        rule.put("portTo", to);
        rule.put("remoteCidr", cidr);
        rule.put("remoteGroup", group);
        return rule;
    }

    private List<SecurityRule> providerRules(String providerGroupId) {
        return groups().get(providerGroupId).orElseThrow().rules().stream().map(ProviderSecurityRule::rule).toList();
    }

    private SecurityGroups groups() {
        return providers.get("sandbox").require(SecurityGroups.class);
    }

    private void awaitDone(OperationHandle handle) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!(groups().poll(handle) instanceof OperationStatus.Succeeded)) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
