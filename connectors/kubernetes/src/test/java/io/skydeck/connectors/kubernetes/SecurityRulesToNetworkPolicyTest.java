package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.SecurityGroupSpec;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.SecurityRule;
import io.skydeck.connectors.spi.SecurityRule.Direction;
import io.skydeck.connectors.spi.SecurityRule.IpFamily;
import io.skydeck.connectors.spi.SecurityRule.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Security groups as the NetworkPolicy the connector POSTs to the API server (fabric8's mock
 * server in CRUD mode), compared with golden/networkpolicy/*.json; and the rules read back from
 * what the server stored.
 */
class SecurityRulesToNetworkPolicyTest {
    private static final String NS = "skydeck-acme";
    private static final String POLICIES = "/apis/networking.k8s.io/v1/namespaces/" + NS + "/networkpolicies";

    private KubernetesMockServer server;
    private KubernetesClient client;
    private SecurityGroups groups;
    private final List<String> posted = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void startCluster() {
        // The CRUD dispatcher consumes request bodies; the POSTs to the policies are copied first.
        var dispatcher = new KubernetesCrudDispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (request.getMethod().equals("POST") && request.getPath().equals(POLICIES)) {
                    assertThat(request.getHeader("Authorization")).isEqualTo("Bearer s3cr3t-token");
                    posted.add(request.getBody().readUtf8());
                    request = new RecordedRequest(request.getRequestLine(), request.getHeaders(), List.of(), posted.get(posted.size() - 1).length(),
                            new io.fabric8.mockwebserver.http.Buffer(posted.get(posted.size() - 1).getBytes(java.nio.charset.StandardCharsets.UTF_8)), 0, null);
                }
                return super.dispatch(request);
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        var config = KubernetesConfig.withToken("k8s-test", "eu-1", URI.create(server.url("/")), "s3cr3t-token");
        client = KubernetesClients.fromConfig(config);
        groups = new KubernetesCloud(config, client, Clock.fixed(Instant.parse("2025-03-01T10:00:00Z"), ZoneOffset.UTC))
                .require(SecurityGroups.class);
    }

    @AfterEach
    void stopCluster() {
        client.close();
        server.destroy();
    }

    /** The body of the one POST to the namespace's networkpolicies. */
    private String postedPolicy() {
        assertThat(posted).hasSize(1);
        return posted.get(0);
    }

    @Test
    void rangesBecomeIpBlocksAnywhereBecomesNoPeerAndTheGroupSelectsItsMembers() {
        groups.create(new SecurityGroupSpec("web", "eu-1", "web tier", Optional.of(NS),
                List.of(SecurityRule.ingressTcp(443, "0.0.0.0/0"),
                        new SecurityRule(Direction.INGRESS, Protocol.UDP, 5000, 5010, "10.20.0.0/16"),
                        SecurityRule.ingressTcp(443, "2001:db8::/32")),
                Map.of("cost-center", "42")), IdempotencyToken.of("sg-web"));

        Golden.assertJson("networkpolicy/web-ranges.json", postedPolicy());
    }

    @Test
    void aRemoteGroupBecomesAPodSelectorOnItsMemberLabelWithANamespaceSelectorWhenElsewhere() {
        groups.create(new SecurityGroupSpec("db", "eu-1", "db tier", Optional.of(NS),
                List.of(SecurityRule.ingressTcpFromGroup(5432, NS + "/web", IpFamily.IPV4),
                        SecurityRule.ingressTcpFromGroup(5432, "skydeck-beta/reports", IpFamily.IPV4),
                        SecurityRule.withRemoteGroup(Direction.EGRESS, Protocol.ANY, 0, 0, NS + "/web", IpFamily.IPV4)),
                Map.of()), IdempotencyToken.of("sg-db"));

        Golden.assertJson("networkpolicy/db-from-groups.json", postedPolicy());
    }

    @Test
    void groupRulesReadBackFromTheStoredPolicyAsTheyWereGiven() {
        var fromWeb = SecurityRule.ingressTcpFromGroup(5432, NS + "/web", IpFamily.IPV4);
        var fromReports = SecurityRule.ingressTcpFromGroup(5432, "skydeck-beta/reports", IpFamily.IPV4);
        var toWeb = SecurityRule.withRemoteGroup(Direction.EGRESS, Protocol.ANY, 0, 0, NS + "/web", IpFamily.IPV4);
        groups.create(new SecurityGroupSpec("db", "eu-1", "db tier", Optional.of(NS), List.of(fromWeb, fromReports, toWeb), Map.of()),
                IdempotencyToken.of("sg-db"));

        var group = groups.get(NS + "/db").orElseThrow();

        assertThat(group.rules()).extracting(r -> r.rule()).containsExactly(fromWeb, fromReports, toWeb);
        assertThat(group.rules()).extracting(r -> r.id()).containsExactly("ingress:tcp:5432-5432:group=skydeck-acme/web",
                "ingress:tcp:5432-5432:group=skydeck-beta/reports", "egress:any:0-0:group=skydeck-acme/web");
        assertThat(SecurityGroupMembers.labelsFor(List.of(NS + "/db", NS + "/web")))
                .isEqualTo(Map.of("security-group.skydeck.io/db", "member", "security-group.skydeck.io/web", "member"));
    }

    @Test
    void anIpv6GroupRuleAndAGroupNameNoLabelCanHoldAreRefusedBeforeAnyWrite() {

        assertThatThrownBy(() -> groups.create(new SecurityGroupSpec("db", "eu-1", "", Optional.of(NS),
                List.of(SecurityRule.ingressTcpFromGroup(5432, NS + "/web", IpFamily.IPV6)), Map.of()), IdempotencyToken.of("sg-db")))
                .isInstanceOfSatisfying(RequestRejected.class, rejected -> assertThat(rejected.providerMessage()).contains("admits both families"));
        assertThatThrownBy(() -> groups.create(new SecurityGroupSpec("x".repeat(64), "eu-1", "", Optional.of(NS), List.of(), Map.of()),
                IdempotencyToken.of("sg-long")))
                .isInstanceOfSatisfying(RequestRejected.class, rejected -> assertThat(rejected.providerMessage()).contains("cannot name a label"));
        assertThat(client.network().v1().networkPolicies().inNamespace(NS).list().getItems()).isEmpty();
    }

    @Test
    void aPeerOrPortWrittenBehindSkydecksBackThatHasNoRuleFormIsDescribed() {
        groups.create(new SecurityGroupSpec("web", "eu-1", "", Optional.of(NS), List.of(SecurityRule.ingressTcp(443, "10.0.0.0/8")), Map.of()),
                IdempotencyToken.of("sg-web"));
        var policy = client.network().v1().networkPolicies().inNamespace(NS).withName("web").get();
        var edited = new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder(policy).editSpec()
                .addNewIngress().addNewFrom().withNewPodSelector().addToMatchLabels("app", "debug").endPodSelector().endFrom()
                .addNewPort().withProtocol("TCP").withPort(new io.fabric8.kubernetes.api.model.IntOrString("http")).endPort().endIngress()
                .addNewIngress().addNewFrom().withNewIpBlock().withCidr("10.0.0.0/8").endIpBlock().endFrom()
                .addNewPort().withProtocol("SCTP").withPort(new io.fabric8.kubernetes.api.model.IntOrString(9000)).endPort().endIngress()
                .endSpec().build();
        client.resource(edited).update();

        var group = groups.get(NS + "/web").orElseThrow();

        assertThat(group.rules()).extracting(r -> r.rule()).containsExactly(SecurityRule.ingressTcp(443, "10.0.0.0/8"),
                new SecurityRule(Direction.EGRESS, Protocol.ANY, 0, 0, "0.0.0.0/0"));
        assertThat(group.inexpressibleRules()).containsExactly(
                "ingress peer {\"podSelector\":{\"matchLabels\":{\"app\":\"debug\"}}}",
                "ingress port {\"port\":9000,\"protocol\":\"SCTP\"}");
    }
}
