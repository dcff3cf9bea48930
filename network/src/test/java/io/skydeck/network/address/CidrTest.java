package io.skydeck.network.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CidrTest {

    @Test
    void parsesCanonicalRangesOfBothFamilies() {
        Cidr v4 = Cidr.parse("10.20.0.0/16");
        assertThat(v4.family()).isEqualTo(Family.IPV4);
        assertThat(v4.size()).isEqualTo(65_536);
        assertThat(v4.first()).hasToString("10.20.0.0");
        assertThat(v4.last()).hasToString("10.20.255.255");

        Cidr v6 = Cidr.parse("2001:DB8:0:0::/56");
        assertThat(v6).hasToString("2001:db8::/56");
        assertThat(v6.last()).hasToString("2001:db8:0:ff:ffff:ffff:ffff:ffff");
    }

    @Test
    void refusesHostBitsAndSaysWhichRangeWasMeant() {
        assertThatThrownBy(() -> Cidr.parse("10.0.0.1/24"))
                .isInstanceOf(InvalidAddress.class)
                .hasMessageContaining("not a canonical range").hasMessageContaining("did you mean 10.0.0.0/24?");
    }

    @Test
    void refusesPrefixesOutsideTheFamily() {
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessageContaining("/33 is outside /0../32");
        assertThatThrownBy(() -> Cidr.parse("::/129")).hasMessageContaining("/129 is outside /0../128");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0")).hasMessageContaining("needs a prefix length");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/-1")).hasMessageContaining("is not a prefix length");
    }

    @Test
    void refusesMalformedAddresses() {
        assertThatThrownBy(() -> IpAddress.parse("10.0.0")).hasMessageContaining("four numbers");
        assertThatThrownBy(() -> IpAddress.parse("10.0.0.256")).hasMessageContaining("256 is above 255");
        assertThatThrownBy(() -> IpAddress.parse("10.0.0.01")).hasMessageContaining("without leading zeros");
        assertThatThrownBy(() -> IpAddress.parse("1::2::3")).hasMessageContaining("'::' may appear once");
        assertThatThrownBy(() -> IpAddress.parse("1:2:3:4:5:6:7")).hasMessageContaining("eight groups");
        assertThatThrownBy(() -> IpAddress.parse("12345::")).hasMessageContaining("1-4 hex digits");
    }

    @Test
    void writesIpv6TheRfc5952Way() {
        assertThat(IpAddress.parse("2001:0db8:0000:0000:0001:0000:0000:0001")).hasToString("2001:db8::1:0:0:1");
        assertThat(IpAddress.parse("0:0:0:0:0:0:0:0")).hasToString("::");
        assertThat(IpAddress.parse("0:0:0:0:0:0:0:1")).hasToString("::1");
        assertThat(IpAddress.parse("2001:db8:0:1:1:1:1:1")).hasToString("2001:db8:0:1:1:1:1:1");
        assertThat(IpAddress.parse("fe80::")).hasToString("fe80::");
    }

    @Test
    void containsAndOverlaps() {
        Cidr vpc = Cidr.parse("10.0.0.0/16");
        assertThat(vpc.contains(IpAddress.parse("10.0.255.1"))).isTrue();
        assertThat(vpc.contains(IpAddress.parse("10.1.0.0"))).isFalse();
        assertThat(vpc.contains(Cidr.parse("10.0.4.0/22"))).isTrue();
        assertThat(vpc.overlaps(Cidr.parse("10.0.0.0/8"))).isTrue();
        assertThat(vpc.overlaps(Cidr.parse("10.1.0.0/16"))).isFalse();
        assertThat(vpc.contains(IpAddress.parse("::a00:1"))).as("another family is never inside").isFalse();
    }

    @Test
    void carvesBlocksInOrder() {
        Cidr zone = Cidr.parse("10.0.64.0/18");
        assertThat(zone.blockCount(26)).isEqualTo(256); // 2^(26-18)
        assertThat(zone.block(26, 0)).hasToString("10.0.64.0/26");
        assertThat(zone.block(26, 5)).hasToString("10.0.65.64/26"); // 5 * 64 = 320 = 1.64
        assertThat(zone.block(26, 255)).hasToString("10.0.127.192/26");
        assertThat(zone.blockIndexOf(IpAddress.parse("10.0.65.70"), 26)).isEqualTo(5);
        assertThatThrownBy(() -> zone.block(26, 256)).isInstanceOf(IndexOutOfBoundsException.class);

        Cidr v6 = Cidr.parse("2001:db8::/48");
        assertThat(v6.block(64, 3)).hasToString("2001:db8:0:3::/64");
        assertThat(Cidr.parse("2001:db8::/64").block(120, 2)).hasToString("2001:db8::200/120");
    }
}
