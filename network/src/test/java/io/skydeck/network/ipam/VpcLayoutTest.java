package io.skydeck.network.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class VpcLayoutTest {

    @Test
    void aSlash16OverThreeZonesHasFourSlash18RangesOfSlash26Blocks() {
        VpcLayout layout = VpcLayout.of(Cidr.parse("10.0.0.0/16"), List.of("a", "b", "c"));
        // 3 zones round up to 4 parts: /16 + 2 bits = /18; a /18 holds 2^(26-18) = 256 blocks of /26.
        assertThat(layout.zonePrefix()).isEqualTo(18);
        assertThat(layout.blockPrefix()).isEqualTo(26);
        assertThat(layout.blocksPerZone()).isEqualTo(256);
        assertThat(layout.blockCount()).isEqualTo(768);
        assertThat(layout.zoneRange("b")).isEqualTo(Cidr.parse("10.0.64.0/18"));
        assertThat(layout.firstBlock("b")).isEqualTo(256);
        assertThat(layout.block(256)).isEqualTo(Cidr.parse("10.0.64.0/26"));
        assertThat(layout.zoneOfBlock(255)).isEqualTo("a");
        assertThat(layout.zoneOfBlock(256)).isEqualTo("b");
    }

    @Test
    void theFirstFourAndLastAddressOfEachZoneRangeAreReserved() {
        VpcLayout layout = VpcLayout.of(Cidr.parse("10.0.0.0/16"), List.of("a", "b", "c"));
        assertThat(layout.reservedBits(0)).isEqualTo(0b1111L);      // 10.0.0.0-10.0.0.3
        assertThat(layout.reservedBits(1)).isZero();
        assertThat(layout.reservedBits(255)).isEqualTo(1L << 63);   // 10.0.63.255, the last of zone a's /18
        assertThat(layout.reservedBits(256)).isEqualTo(0b1111L);    // 10.0.64.0-10.0.64.3
        assertThat(layout.usableIn(0)).isEqualTo(60);
        assertThat(layout.emptyBitmap(255).firstFree()).isZero();
    }

    @Test
    void smallZonesGetSixteenSmallerBlocksButNoneBelowSlash29() {
        // /24 over 2 zones: /25 zones; /25 + 4 bits = /29 blocks of 8 addresses, 16 per zone.
        VpcLayout small = VpcLayout.of(Cidr.parse("10.1.2.0/24"), List.of("a", "b"));
        assertThat(small.blockPrefix()).isEqualTo(29);
        assertThat(small.blocksPerZone()).isEqualTo(16);
        // /23 over 1 zone: /23 + 4 = /27, 16 blocks of 32.
        assertThat(VpcLayout.of(Cidr.parse("10.1.2.0/23"), List.of("a")).blockPrefix()).isEqualTo(27);
        // /22 over 1 zone: exactly 16 blocks of /26.
        assertThat(VpcLayout.of(Cidr.parse("10.1.0.0/22"), List.of("a")).blockPrefix()).isEqualTo(26);
        // /28 over 1 zone: /29 blocks, only two of them; 16 - 5 reserved = 11 usable addresses.
        VpcLayout tiny = VpcLayout.of(Cidr.parse("10.0.0.0/28"), List.of("a"));
        assertThat(tiny.blockPrefix()).isEqualTo(29);
        assertThat(tiny.blockCount()).isEqualTo(2);
        assertThat(tiny.usableIn(0) + tiny.usableIn(1)).isEqualTo(11);
    }

    @Test
    void aVpcTooSmallForItsZonesIsRefusedSayingHowManyFit() {
        assertThatThrownBy(() -> VpcLayout.of(Cidr.parse("10.0.0.0/28"), List.of("a", "b")))
                .hasMessage("10.0.0.0/28 is too small for 2 zones: each zone needs at least a /28, so it holds at most 1");
        assertThat(VpcLayout.maxZones(Cidr.parse("10.0.0.0/26"))).isEqualTo(4);
    }

    @Test
    void ipv6AndPrefixesOutsideSlash16ToSlash28AreRefused() {
        assertThatThrownBy(() -> VpcLayout.of(Cidr.parse("10.0.0.0/15"), List.of("a"))).hasMessageContaining("outside /16../28");
        assertThatThrownBy(() -> VpcLayout.of(Cidr.parse("fd00::/48"), List.of("a"))).hasMessageContaining("IPv6");
        assertThatThrownBy(() -> VpcLayout.of(Cidr.parse("10.0.0.0/16"), List.of("a", "a"))).hasMessageContaining("distinct");
    }

    @Test
    void anUnknownZoneIsARefusalNamingTheZones() {
        VpcLayout layout = VpcLayout.of(Cidr.parse("10.0.0.0/16"), List.of("a", "b"));
        assertThatThrownBy(() -> layout.zoneRange("z"))
                .isInstanceOfSatisfying(IpamRefusal.class, r -> assertThat(r.reason()).isEqualTo(IpamRefusal.Reason.UNKNOWN_ZONE))
                .hasMessage("zone z is not one of this VPC's zones [a, b]");
    }

    @Test
    void addressesMapToTheirBlockAndOffsetAndBack() {
        VpcLayout layout = VpcLayout.of(Cidr.parse("10.0.0.0/16"), List.of("a", "b", "c"));
        IpAddress a = IpAddress.parse("10.0.64.70");
        // 10.0.64.70 is 64·256 + 70 = 16,454 from the start: block 16,454 / 64 = 257, offset 6.
        assertThat(layout.blockIndexOf(a)).isEqualTo(257);
        assertThat(layout.offsetInBlock(a)).isEqualTo(6);
        assertThat(layout.address(257, 6)).isEqualTo(a);
    }

    @Test
    void routesAreOnePerClaimedBlockWithItsHostAsNextHop() {
        List<Route> routes = Route.of(List.of(
                new ClaimedBlock(1, Cidr.parse("10.0.0.64/26"), "a", "h2"),
                new ClaimedBlock(0, Cidr.parse("10.0.0.0/26"), "a", "h1")));
        assertThat(routes).containsExactly(new Route(Cidr.parse("10.0.0.0/26"), "h1"), new Route(Cidr.parse("10.0.0.64/26"), "h2"));
    }
}
