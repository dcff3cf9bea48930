package io.skydeck.network.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.skydeck.network.address.Cidr;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

class PolicyValidatorTest {

    /** g-web and g-db belong to tenant t-1, g-7 to tenant t-2. */
    private static final GroupOwners OWNERS = id -> Optional.ofNullable(Map.of("g-web", "t-1", "g-db", "t-1", "g-7", "t-2").get(id));

    private static SecurityGroupDraft.Rule rule(String direction, String protocol, Integer from, Integer to, String cidr, String group) {
        return new SecurityGroupDraft.Rule(direction, protocol, from, to, cidr, group);
    }

    private static InvalidPolicy rejected(SecurityGroupDraft.Rule... rules) {
        return catchThrowableOfType(() -> PolicyValidator.validate("g-db", "t-1", new SecurityGroupDraft("db", Arrays.asList(rules)), OWNERS),
                InvalidPolicy.class);
    }

    @Test
    void validDraftBecomesAGroupWithTypedRules() {
        SecurityGroup group = PolicyValidator.validate("g-db", "t-1", new SecurityGroupDraft("db", List.of(
                rule("ingress", "tcp", 5432, 5432, null, "g-web"),
                rule("INGRESS", "icmp", null, null, "2001:db8::/32", null),
                rule("egress", "any", null, null, "0.0.0.0/0", null),
                rule("ingress", "udp", null, null, "10.0.0.0/8", null),
                rule("ingress", "tcp", 22, 22, null, "g-db"))), OWNERS);

        assertThat(group.id()).isEqualTo("g-db");
        assertThat(group.tenantId()).isEqualTo("t-1");
        assertThat(group.rules()).containsExactly(
                SecurityRule.ingress(Protocol.TCP, PortRange.of(5432), new Remote.Group("g-web")),
                SecurityRule.ingress(Protocol.ICMP, PortRange.ALL, new Remote.Range(Cidr.parse("2001:db8::/32"))),
                SecurityRule.egress(Protocol.ANY, PortRange.ALL, new Remote.Range(Cidr.parse("0.0.0.0/0"))),
                SecurityRule.ingress(Protocol.UDP, PortRange.ALL, new Remote.Range(Cidr.parse("10.0.0.0/8"))),
                SecurityRule.ingress(Protocol.TCP, PortRange.of(22), new Remote.Group("g-db")));
        assertThat(group.rules().get(0)).hasToString("ingress tcp/5432 from group g-web");
        assertThat(group.rules().get(2)).hasToString("egress all traffic to 0.0.0.0/0");
    }

    @Test
    void everyErrorIsCollectedAndNamesItsField() {
        InvalidPolicy e = rejected(
                rule("ingress", "tcp", 80, 80, "10.0.0.1/24", null),
                rule("ingress", "tcp", 5432, 5432, null, "g-7"),
                rule("ingress", "tcp", 80, 70000, "10.0.0.0/8", null),
                rule("ingress", "icmp", 8, 0, "0.0.0.0/0", null));

        assertThat(e.errors()).containsExactly(
                new FieldError("rules[0].remoteCidr", "10.0.0.1/24 is not a canonical range: bits below the prefix are set; did you mean 10.0.0.0/24?"),
                new FieldError("rules[1].remoteGroup", "group g-7 belongs to another tenant"),
                new FieldError("rules[2].portTo", "70000 is above 65535"),
                new FieldError("rules[3].ports", "icmp takes no ports"));
        assertThat(e.getMessage()).startsWith("rules[0].remoteCidr: 10.0.0.1/24 is not a canonical range")
                .contains("; rules[2].portTo: 70000 is above 65535");
    }

    @Test
    void portFromAbovePortToIsRefused() {
        assertThat(rejected(rule("egress", "udp", 90, 80, "10.0.0.0/8", null)).errors())
                .containsExactly(new FieldError("rules[0].ports", "portFrom 90 is above portTo 80"));
    }

    @Test
    void aNegativePortAndAMissingBoundAreNamed() {
        assertThat(rejected(rule("egress", "tcp", -1, 10, "10.0.0.0/8", null), rule("egress", "tcp", 10, null, "10.0.0.0/8", null)).errors())
                .containsExactly(new FieldError("rules[0].portFrom", "-1 is below 0"),
                        new FieldError("rules[1].portTo", "missing; give portFrom and portTo, or neither for all ports"));
    }

    @Test
    void anyTakesNoPortsEither() {
        assertThat(rejected(rule("egress", "any", 1, 2, "::/0", null)).errors())
                .containsExactly(new FieldError("rules[0].ports", "any takes no ports"));
    }

    @Test
    void unknownDirectionProtocolAndGroupAreNamed() {
        assertThat(rejected(rule("sideways", "sctp", null, null, null, "g-nope"), rule(null, null, null, null, null, null)).errors())
                .containsExactly(
                        new FieldError("rules[0].direction", "'sideways' is not ingress or egress"),
                        new FieldError("rules[0].protocol", "'sctp' is not one of tcp, udp, icmp, any"),
                        new FieldError("rules[0].remoteGroup", "group g-nope does not exist"),
                        new FieldError("rules[1].direction", "missing; ingress or egress"),
                        new FieldError("rules[1].protocol", "missing; tcp, udp, icmp or any"),
                        new FieldError("rules[1].remote", "missing; give remoteCidr (0.0.0.0/0 or ::/0 for anywhere) or remoteGroup"));
    }

    @Test
    void aRuleNamesOneRemoteNotTwo() {
        assertThat(rejected(rule("ingress", "tcp", 443, 443, "0.0.0.0/0", "g-web")).errors())
                .containsExactly(new FieldError("rules[0].remote", "give remoteCidr or remoteGroup, not both"));
    }

    @Test
    void aBadIpv6RangeSaysWhy() {
        assertThat(rejected(rule("ingress", "tcp", 443, 443, "2001:db8::1/32", null), rule("ingress", "tcp", 443, 443, "10.0.0.0/33", null)).errors())
                .extracting(FieldError::field, FieldError::message)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("rules[0].remoteCidr", "2001:db8::1/32 is not a canonical range: bits below the prefix are set; did you mean 2001:db8::/32?"),
                        org.assertj.core.groups.Tuple.tuple("rules[1].remoteCidr", "/33 is outside /0../32 for IPV4"));
    }

    @Test
    void aDuplicateRuleNamesTheRuleItRepeats() {
        assertThat(rejected(rule("ingress", "tcp", 443, 443, "0.0.0.0/0", null), rule("egress", "icmp", null, null, "0.0.0.0/0", null),
                rule("ingress", "tcp", 443, 443, "0.0.0.0/0", null)).errors())
                .containsExactly(new FieldError("rules[2]", "duplicates rules[0]"));
    }

    @Test
    void aBlankNameAndANullRuleAreNamed() {
        InvalidPolicy e = catchThrowableOfType(() -> PolicyValidator.validate("g-db", "t-1",
                new SecurityGroupDraft(" ", Arrays.asList((SecurityGroupDraft.Rule) null)), OWNERS), InvalidPolicy.class);
        assertThat(e.errors()).containsExactly(new FieldError("name", "must not be blank"), new FieldError("rules[0]", "must not be null"));
    }

    @Test
    void aGroupMayNameItselfBeforeItExists() {
        SecurityGroup group = PolicyValidator.validate("g-new", "t-1", new SecurityGroupDraft("peers",
                List.of(rule("ingress", "any", null, null, null, "g-new"))), OWNERS);
        assertThat(group.rules()).containsExactly(SecurityRule.ingress(Protocol.ANY, PortRange.ALL, new Remote.Group("g-new")));
    }
}
