package io.skydeck.network.address;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class CidrPropertiesTest {

    @Property
    void textRoundTripsForBothFamilies(@ForAll("ranges") Cidr range) {
        assertThat(Cidr.parse(range.toString())).isEqualTo(range);
    }

    @Property
    void blocksTileTheirRangeWithoutOverlap(@ForAll("ranges") Cidr range, @ForAll @IntRange(min = 0, max = 6) int extra) {
        int blockPrefix = Math.min(range.family().bits(), range.prefix() + extra);
        long count = range.blockCount(blockPrefix);
        Cidr previous = null;
        for (long i = 0; i < count; i++) {
            Cidr block = range.block(blockPrefix, i);
            assertThat(range.contains(block)).isTrue();
            if (previous != null) {
                assertThat(block.overlaps(previous)).isFalse();
                assertThat(previous.last().plus(1)).as("blocks are adjacent").isEqualTo(block.first());
            }
            if (range.hostBits() <= 62) {
                assertThat(range.blockIndexOf(block.first(), blockPrefix)).isEqualTo(i);
                assertThat(range.blockIndexOf(block.last(), blockPrefix)).isEqualTo(i);
            }
            previous = block;
        }
        assertThat(previous.last()).isEqualTo(range.last());
    }

    @Provide
    Arbitrary<Cidr> ranges() {
        Arbitrary<Cidr> v4 = Combinators.combine(Arbitraries.longs().between(0, 0xFFFF_FFFFL), Arbitraries.integers().between(0, 32))
                .as((value, prefix) -> Cidr.containing(IpAddress.ipv4(value), prefix));
        Arbitrary<Cidr> v6 = Combinators.combine(Arbitraries.longs(), Arbitraries.longs(), Arbitraries.integers().between(0, 128))
                .as((hi, lo, prefix) -> Cidr.containing(new IpAddress(Family.IPV6, hi, lo), prefix));
        return Arbitraries.oneOf(v4, v6);
    }
}
