package io.skydeck.connectors.spi;

import io.skydeck.connectors.spi.SecurityRule.Direction;
import io.skydeck.connectors.spi.SecurityRule.IpFamily;
import io.skydeck.connectors.spi.SecurityRule.Protocol;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecurityRuleTest {

    @Test
    void aCidrRuleTakesItsFamilyFromTheCidr() {
        assertThat(SecurityRule.ingressTcp(22, "10.0.0.0/8").family()).isEqualTo(IpFamily.IPV4);
        assertThat(SecurityRule.ingressTcp(22, "2001:db8::/32").family()).isEqualTo(IpFamily.IPV6);
    }

    @Test
    void aFamilyThatContradictsTheCidrIsRefused() {
        assertThatThrownBy(() -> new SecurityRule(Direction.INGRESS, Protocol.TCP, 22, 22, Optional.of("10.0.0.0/8"),
                Optional.empty(), IpFamily.IPV6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the rule says IPV6 but its remote CIDR 10.0.0.0/8 is IPV4");
    }

    @Test
    void aRuleNamesExactlyOnePeer() {
        assertThatThrownBy(() -> new SecurityRule(Direction.INGRESS, Protocol.TCP, 22, 22, Optional.of("10.0.0.0/8"),
                Optional.of("sg-1"), IpFamily.IPV4))
                .hasMessage("a rule names exactly one peer, a remote CIDR or a remote security group; got CIDR 10.0.0.0/8 and group sg-1");
        assertThatThrownBy(() -> new SecurityRule(Direction.INGRESS, Protocol.TCP, 22, 22, Optional.empty(), Optional.empty(), IpFamily.IPV4))
                .hasMessage("a rule names exactly one peer, a remote CIDR or a remote security group; got no CIDR and no group");
    }

    @Test
    void aGroupRuleMustStateItsFamily() {
        assertThatThrownBy(() -> SecurityRule.ingressTcpFromGroup(5432, "sg-web", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("a rule naming a remote security group states its IP family");
        var rule = SecurityRule.ingressTcpFromGroup(5432, "sg-web", IpFamily.IPV6);
        assertThat(rule.remoteGroupId()).contains("sg-web");
        assertThat(rule.remoteCidr()).isEmpty();
        assertThat(rule.family()).isEqualTo(IpFamily.IPV6);
    }

    @Test
    void aCidrWithoutPrefixLengthAndPort65536AreRefused() {
        assertThatThrownBy(() -> SecurityRule.ingressTcp(22, "10.0.0.1")).hasMessageContaining("prefix length");
        assertThatThrownBy(() -> SecurityRule.ingressTcp(65536, "10.0.0.0/8")).hasMessage("bad port range 65536..65536");
    }

    @Test
    void anywhereIsTheWholeRangeOfTheRulesFamily() {
        assertThat(SecurityRule.ingressTcp(443, "0.0.0.0/0").admitsAnywhere()).isTrue();
        assertThat(SecurityRule.ingressTcp(443, "::/0").admitsAnywhere()).isTrue();
        assertThat(SecurityRule.ingressTcp(443, "10.0.0.0/8").admitsAnywhere()).isFalse();
        assertThat(SecurityRule.ingressTcpFromGroup(443, "sg-1", IpFamily.IPV4).admitsAnywhere()).isFalse();
    }

    @Test
    void theSameRuleWrittenWithOrWithoutItsFamilyIsEqual() {
        var implied = SecurityRule.ingressTcp(22, "10.0.0.0/8");
        var stated = new SecurityRule(Direction.INGRESS, Protocol.TCP, 22, 22, Optional.of("10.0.0.0/8"), Optional.empty(), IpFamily.IPV4);
        assertThat(stated).isEqualTo(implied);
    }
}
