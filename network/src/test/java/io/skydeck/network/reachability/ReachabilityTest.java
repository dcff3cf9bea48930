package io.skydeck.network.reachability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.policy.PortRange;
import io.skydeck.network.policy.Protocol;
import io.skydeck.network.policy.Remote;
import io.skydeck.network.policy.SecurityGroup;
import io.skydeck.network.policy.SecurityRule;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

/**
 * Worked examples on one small estate:
 * <pre>
 * VPC a 10.0.0.0/16 + fd00:a::/48   subnet a-web 10.0.1.0/24: web-1 (public 203.0.113.10), web-2, bare-1 (no group)
 *                                   subnet a-db  10.0.2.0/24: db-1 (groups db, ops)
 *                                   subnet a-v6  fd00:a:0:1::/64: v6-1 (public 2001:db8::10), v6-2
 * VPC b 10.1.0.0/16, peered with a  subnet b-app 10.1.1.0/24: app-1 (group app)
 * VPC c 10.2.0.0/16, no link        subnet c-x   10.2.1.0/24: c-1 (no public IP), c-2 (public 192.0.2.7), both group app
 * internet 0.0.0.0/0, office 192.168.0.0/16 (on-premises, over the internet)
 * </pre>
 */
class ReachabilityTest {

    private static final Remote ANYWHERE = range("0.0.0.0/0");

    private static final SecurityGroup WEB = group("g-web", "web",
            SecurityRule.ingress(Protocol.TCP, PortRange.of(443), ANYWHERE),                      // 0
            SecurityRule.egress(Protocol.TCP, PortRange.of(5432), new Remote.Group("g-db")),      // 1
            SecurityRule.egress(Protocol.ICMP, PortRange.ALL, range("10.0.0.0/8")),               // 2
            SecurityRule.ingress(Protocol.ICMP, PortRange.ALL, new Remote.Group("g-web")),        // 3
            SecurityRule.ingress(Protocol.TCP, PortRange.of(8080), new Remote.Group("g-app")),    // 4
            SecurityRule.ingress(Protocol.TCP, PortRange.of(22), range("192.168.10.0/24")));      // 5
    private static final SecurityGroup DB = group("g-db", "db",
            SecurityRule.ingress(Protocol.TCP, PortRange.of(5432), new Remote.Group("g-web")),    // 0
            SecurityRule.ingress(Protocol.TCP, PortRange.of(5432), new Remote.Group("g-app")));   // 1
    private static final SecurityGroup OPS = group("g-ops", "ops",
            SecurityRule.ingress(Protocol.ICMP, PortRange.ALL, range("10.0.0.0/8")));             // 0
    private static final SecurityGroup APP = group("g-app", "app",
            SecurityRule.egress(Protocol.ANY, PortRange.ALL, range("10.0.0.0/8")),                // 0
            SecurityRule.egress(Protocol.TCP, PortRange.of(443), ANYWHERE),                       // 1
            SecurityRule.egress(Protocol.TCP, PortRange.of(8080), ANYWHERE));                     // 2
    private static final SecurityGroup V6 = group("g-v6", "v6",
            SecurityRule.ingress(Protocol.TCP, PortRange.of(22), range("fd00:a::/48")),           // 0
            SecurityRule.egress(Protocol.ANY, PortRange.ALL, range("::/0")),                      // 1
            SecurityRule.ingress(Protocol.TCP, PortRange.of(443), range("::/0")));                // 2

    private static final Topology TOPOLOGY = new Topology(
            List.of(new Vpc("a", List.of(cidr("10.0.0.0/16"), cidr("fd00:a::/48")), List.of(
                            new Subnet("a-web", "z1", cidr("10.0.1.0/24")),
                            new Subnet("a-db", "z2", cidr("10.0.2.0/24")),
                            new Subnet("a-v6", "z1", cidr("fd00:a:0:1::/64")))),
                    new Vpc("b", List.of(cidr("10.1.0.0/16")), List.of(new Subnet("b-app", "z1", cidr("10.1.1.0/24")))),
                    new Vpc("c", List.of(cidr("10.2.0.0/16")), List.of(new Subnet("c-x", "z1", cidr("10.2.1.0/24"))))),
            List.of(new Link("l-ab", Link.Kind.PEERING, "a", "b")),
            List.of(WEB, DB, OPS, APP, V6),
            List.of(endpoint("web-1", "a", "a-web", "10.0.1.10", "203.0.113.10", "g-web"),
                    endpoint("web-2", "a", "a-web", "10.0.1.11", null, "g-web"),
                    endpoint("bare-1", "a", "a-web", "10.0.1.99", null),
                    endpoint("db-1", "a", "a-db", "10.0.2.20", null, "g-db", "g-ops"),
                    endpoint("v6-1", "a", "a-v6", "fd00:a:0:1::10", "2001:db8::10", "g-v6"),
                    endpoint("v6-2", "a", "a-v6", "fd00:a:0:1::11", null, "g-v6"),
                    new Endpoint("app-1", Endpoint.Kind.WORKLOAD, "b", "b-app", IpAddress.parse("10.1.1.5"), List.of("g-app"), Optional.empty()),
                    endpoint("c-1", "c", "c-x", "10.2.1.5", null, "g-app"),
                    endpoint("c-2", "c", "c-x", "10.2.1.6", "192.0.2.7", "g-app"),
                    new ExternalRange("internet", ExternalRange.Kind.INTERNET, cidr("0.0.0.0/0")),
                    new ExternalRange("office", ExternalRange.Kind.ON_PREMISES, cidr("192.168.0.0/16"))));

    private final Reachability reachability = Reachability.of(TOPOLOGY);

    // --- each path kind

    @Test
    void sameSubnetIcmpNeedsTheSourcesEgressAndTheDestinationsSelfReferencingIngress() {
        Answer answer = reachability.analyze("web-1", "web-2", Traffic.icmp());

        assertReachable(answer, new Path.SameSubnet(), "group web rules[2]: egress icmp to 10.0.0.0/8",
                "group web rules[3]: ingress icmp from group g-web");
    }

    @Test
    void sameVpcMatchesRemoteGroupsByMembership() {
        assertReachable(reachability.analyze("web-1", "db-1", Traffic.tcp(5432)), new Path.SameVpc(),
                "group web rules[1]: egress tcp/5432 to group g-db", "group db rules[0]: ingress tcp/5432 from group g-web");
    }

    @Test
    void aRemoteGroupMatchesAcrossAPeeringLink() {
        assertReachable(reachability.analyze("app-1", "db-1", Traffic.tcp(5432)), new Path.ViaLink("l-ab", Link.Kind.PEERING),
                "group app rules[0]: egress all traffic to 10.0.0.0/8", "group db rules[1]: ingress tcp/5432 from group g-app");
        assertReachable(reachability.analyze("app-1", "web-1", Traffic.tcp(8080)), new Path.ViaLink("l-ab", Link.Kind.PEERING),
                "group app rules[0]: egress all traffic to 10.0.0.0/8", "group web rules[4]: ingress tcp/8080 from group g-app");
    }

    @Test
    void unlinkedVpcsTalkOverPublicAddresses() {
        assertReachable(reachability.analyze("c-2", "web-1", Traffic.tcp(443)), new Path.PublicIp(),
                "group app rules[1]: egress tcp/443 to 0.0.0.0/0", "group web rules[0]: ingress tcp/443 from 0.0.0.0/0");
    }

    @Test
    void overPublicAddressesARemoteGroupDoesNotMatchAndTheRuleSeesThePublicAddress() {
        // web's tcp/8080 is allowed from group app, and c-2 is in app, but only private traffic carries the membership.
        assertUnreachable(reachability.analyze("c-2", "web-1", Traffic.tcp(8080)), Optional.of(new Path.PublicIp()),
                Answer.Hop.DESTINATION_INGRESS, "no ingress rule allows tcp/8080 from 192.0.2.7 on group web");
    }

    @Test
    void theInternetReachesAPublicIpThroughAnIngressRuleOnly() {
        Answer answer = reachability.analyze("internet", "web-1", Traffic.tcp(443));

        assertThat(answer).isEqualTo(new Answer.Reachable(new Path.PublicIp(), Optional.empty(),
                Optional.of(new DecidingRule("g-web", "web", 0, WEB.rules().get(0)))));
    }

    @Test
    void anEndpointReachesTheInternetFromItsPublicIpThroughAnEgressRuleOnly() {
        Answer answer = reachability.analyze("c-2", "internet", Traffic.tcp(443));

        assertThat(answer).isEqualTo(new Answer.Reachable(new Path.PublicIp(),
                Optional.of(new DecidingRule("g-app", "app", 1, APP.rules().get(1))), Optional.empty()));
    }

    // --- each denial reason

    @Test
    void noIngressRuleNamesTheProtocolPortSourceAndEveryAttachedGroup() {
        assertUnreachable(reachability.analyze("app-1", "db-1", Traffic.tcp(6379)), Optional.of(new Path.ViaLink("l-ab", Link.Kind.PEERING)),
                Answer.Hop.DESTINATION_INGRESS, "no ingress rule allows tcp/6379 from 10.1.1.5 on groups db, ops");
    }

    @Test
    void noEgressRuleIsReportedBeforeTheDestinationIsLookedAt() {
        assertUnreachable(reachability.analyze("web-1", "db-1", Traffic.tcp(22)), Optional.of(new Path.SameVpc()),
                Answer.Hop.SOURCE_EGRESS, "no egress rule allows tcp/22 to 10.0.2.20 on group web");
    }

    @Test
    void anEndpointWithoutGroupsAdmitsNothing() {
        assertUnreachable(reachability.analyze("web-1", "bare-1", Traffic.icmp()), Optional.of(new Path.SameSubnet()),
                Answer.Hop.DESTINATION_INGRESS, "no ingress rule allows icmp from 10.0.1.10 on bare-1, which has no security group");
    }

    @Test
    void unlinkedVpcsWithoutADestinationPublicIpHaveNoPath() {
        assertUnreachable(reachability.analyze("web-1", "c-1", Traffic.tcp(443)), Optional.empty(),
                Answer.Hop.ROUTE, "VPC a and VPC c are not linked, and destination c-1 has no public IP");
    }

    @Test
    void unlinkedVpcsWithoutASourcePublicIpHaveNoPath() {
        assertUnreachable(reachability.analyze("app-1", "c-2", Traffic.tcp(443)), Optional.empty(),
                Answer.Hop.ROUTE, "VPC b and VPC c are not linked, and source app-1 has no public IP");
    }

    @Test
    void theInternetCannotReachAnEndpointWithoutAPublicIp() {
        assertUnreachable(reachability.analyze("internet", "db-1", Traffic.tcp(5432)), Optional.empty(),
                Answer.Hop.ROUTE, "destination db-1 has no public IP");
        assertUnreachable(reachability.analyze("app-1", "internet", Traffic.tcp(443)), Optional.empty(),
                Answer.Hop.ROUTE, "source app-1 has no public IP");
    }

    @Test
    void anExternalRangeMustLieWhollyInsideTheRulesRange() {
        // web allows tcp/22 from 192.168.10.0/24 only: part of the office is not all of it.
        assertUnreachable(reachability.analyze("office", "web-1", Traffic.tcp(22)), Optional.of(new Path.PublicIp()),
                Answer.Hop.DESTINATION_INGRESS, "no ingress rule allows tcp/22 from 192.168.0.0/16 on group web");
        Answer fromOneFloor = reachability.analyze(new ExternalRange("floor-10", ExternalRange.Kind.ON_PREMISES, cidr("192.168.10.0/24")),
                TOPOLOGY.peers().get(0), Traffic.tcp(22));
        assertThat(fromOneFloor.reachable()).isTrue();
        assertThat(((Answer.Reachable) fromOneFloor).ingress()).map(DecidingRule::ruleIndex).contains(5);
    }

    @Test
    void rulesAreStatefulSoOnlyTheStartingDirectionIsChecked() {
        // db has no egress rule, yet answers web's tcp/5432 (above); it cannot start tcp/5432 towards web itself.
        assertThat(reachability.analyze("web-1", "db-1", Traffic.tcp(5432)).reachable()).isTrue();
        assertUnreachable(reachability.analyze("db-1", "web-1", Traffic.tcp(5432)), Optional.of(new Path.SameVpc()),
                Answer.Hop.SOURCE_EGRESS, "no egress rule allows tcp/5432 to 10.0.1.10 on groups db, ops");
    }

    @Test
    void anEgressRuleToTheInternetIsNeededToReachIt() {
        assertUnreachable(reachability.analyze("web-1", "internet", Traffic.tcp(443)), Optional.of(new Path.PublicIp()),
                Answer.Hop.SOURCE_EGRESS, "no egress rule allows tcp/443 to 0.0.0.0/0 on group web");
    }

    // --- IPv6, ICMP, ANY

    @Test
    void ipv6RulesMatchIpv6Addresses() {
        assertReachable(reachability.analyze("v6-1", "v6-2", Traffic.tcp(22)), new Path.SameSubnet(),
                "group v6 rules[1]: egress all traffic to ::/0", "group v6 rules[0]: ingress tcp/22 from fd00:a::/48");
        Answer fromV6Internet = reachability.analyze(new ExternalRange("v6-internet", ExternalRange.Kind.INTERNET, cidr("::/0")),
                TOPOLOGY.peers().get(4), Traffic.tcp(443));
        assertThat(fromV6Internet).isEqualTo(new Answer.Reachable(new Path.PublicIp(), Optional.empty(),
                Optional.of(new DecidingRule("g-v6", "v6", 2, V6.rules().get(2)))));
    }

    @Test
    void aFlowKeepsItsFamily() {
        assertUnreachable(reachability.analyze("web-1", "v6-1", Traffic.tcp(22)), Optional.empty(),
                Answer.Hop.ROUTE, "web-1 has an IPv4 address and v6-1 an IPv6 one");
        assertUnreachable(reachability.analyze("internet", "v6-1", Traffic.tcp(443)), Optional.empty(),
                Answer.Hop.ROUTE, "destination v6-1 has no public IPv4 address");
    }

    @Test
    void anAnyRuleAllowsIcmpAndAnotherAttachedGroupsRuleAdmitsIt() {
        assertReachable(reachability.analyze("app-1", "db-1", Traffic.icmp()), new Path.ViaLink("l-ab", Link.Kind.PEERING),
                "group app rules[0]: egress all traffic to 10.0.0.0/8", "group ops rules[0]: ingress icmp from 10.0.0.0/8");
    }

    @Test
    void askingForAllTrafficNeedsAnAnyRuleOnBothSides() {
        assertUnreachable(reachability.analyze("app-1", "db-1", Traffic.any()), Optional.of(new Path.ViaLink("l-ab", Link.Kind.PEERING)),
                Answer.Hop.DESTINATION_INGRESS, "no ingress rule allows all traffic from 10.1.1.5 on groups db, ops");
    }

    // --- the one-shot form and bad questions

    @Test
    void theOneShotFormTakesProtocolAndPort() {
        Answer answer = Reachability.analyze(TOPOLOGY, "web-1", "db-1", Protocol.TCP, 5432);
        assertThat(answer.path()).map(Path::kind).contains(Path.Kind.SAME_VPC);
        assertThat(answer.reachable()).isTrue();
    }

    @Test
    void aQuestionNeedsTwoDifferentSidesAndOneOfOurs() {
        assertThatThrownBy(() -> reachability.analyze("web-1", "web-1", Traffic.icmp()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("from and to are both web-1");
        assertThatThrownBy(() -> reachability.analyze("internet", "office", Traffic.icmp()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one side must be a server or workload");
        assertThatThrownBy(() -> reachability.analyze("web-1", "nope", Traffic.icmp()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("no endpoint nope");
        assertThatThrownBy(() -> new Traffic(Protocol.TCP, 70000)).hasMessage("port 70000 is outside 0-65535");
        assertThatThrownBy(() -> new Traffic(Protocol.ICMP, 8)).hasMessage("icmp has no port");
    }

    @Test
    void aTopologyWithAnAddressOutsideItsSubnetIsRefused() {
        assertThatThrownBy(() -> new Topology(TOPOLOGY.vpcs(), List.of(), TOPOLOGY.groups(),
                List.of(endpoint("x", "a", "a-web", "10.0.2.1", null))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("endpoint x: 10.0.2.1 is outside subnet 10.0.1.0/24");
    }

    @Test
    void overlappingSubnetsAreRefused() {
        assertThatThrownBy(() -> new Vpc("d", List.of(cidr("10.3.0.0/16")), List.of(
                new Subnet("d-1", "z1", cidr("10.3.0.0/23")), new Subnet("d-2", "z2", cidr("10.3.1.0/24")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("subnets d-1 (10.3.0.0/23) and d-2 (10.3.1.0/24) of VPC d overlap");
    }

    // --- helpers

    private static void assertReachable(Answer answer, Path path, String egress, String ingress) {
        assertThat(answer).isInstanceOf(Answer.Reachable.class);
        Answer.Reachable reachable = (Answer.Reachable) answer;
        assertThat(reachable.via()).isEqualTo(path);
        assertThat(reachable.egress()).map(DecidingRule::toString).contains(egress);
        assertThat(reachable.ingress()).map(DecidingRule::toString).contains(ingress);
    }

    private static void assertUnreachable(Answer answer, Optional<Path> path, Answer.Hop hop, String reason) {
        assertThat(answer).isEqualTo(new Answer.Unreachable(path, hop, reason));
    }

    private static Remote range(String text) {
        return new Remote.Range(cidr(text));
    }

    private static Cidr cidr(String text) {
        return Cidr.parse(text);
    }

    private static SecurityGroup group(String id, String name, SecurityRule... rules) {
        return new SecurityGroup(id, "t-1", name, List.of(rules));
    }

    private static Endpoint endpoint(String id, String vpc, String subnet, String address, String publicAddress, String... groups) {
        return new Endpoint(id, Endpoint.Kind.SERVER, vpc, subnet, IpAddress.parse(address), List.of(groups),
                Optional.ofNullable(publicAddress).map(IpAddress::parse));
    }
}
