package io.skydeck.network.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import io.skydeck.network.ipam.AllocationRule.Borrow;
import io.skydeck.network.ipam.AllocationRule.Candidate;
import io.skydeck.network.ipam.AllocationRule.ClaimBlock;
import io.skydeck.network.ipam.AllocationRule.Exhausted;
import io.skydeck.network.ipam.AllocationRule.FromOwnBlock;
import java.util.List;
import org.junit.jupiter.api.Test;

class AllocationRuleTest {

    static final BlockBitmap FULL = new BlockBitmap(8, 0xFF);

    @Test
    void aHostFillsItsLowestBlockFirst() {
        List<Candidate> own = List.of(new Candidate(7, new BlockBitmap(8, 0b0000_0001)), new Candidate(3, new BlockBitmap(8, 0b0000_0111)));
        assertThat(AllocationRule.choose(own, true, false, List.of())).isEqualTo(new FromOwnBlock(3, 3));
    }

    @Test
    void aHostWithFullBlocksClaimsANewOneWhileTheZoneHasAny() {
        assertThat(AllocationRule.choose(List.of(new Candidate(0, FULL)), true, false, List.of())).isEqualTo(new ClaimBlock());
    }

    @Test
    void withoutUnclaimedBlocksAHostBorrowsFromTheRoomiestBlockOfItsZone() {
        List<Candidate> others = List.of(new Candidate(1, new BlockBitmap(8, 0b0111_1111)), new Candidate(2, new BlockBitmap(8, 0b0000_1111)),
                new Candidate(4, FULL));
        // block 2 has 4 free addresses, block 1 one: borrow block 2's lowest free offset, 4.
        assertThat(AllocationRule.choose(List.of(new Candidate(0, FULL)), false, false, others)).isEqualTo(new Borrow(2, 4));
    }

    @Test
    void strictModeRefusesToBorrow() {
        List<Candidate> others = List.of(new Candidate(2, BlockBitmap.empty(8)));
        assertThat(AllocationRule.choose(List.of(new Candidate(0, FULL)), false, true, others)).isInstanceOf(Exhausted.class);
    }

    @Test
    void aZoneWithEveryAddressTakenIsExhausted() {
        assertThat(AllocationRule.choose(List.of(), false, false, List.of(new Candidate(1, FULL))))
                .isEqualTo(new Exhausted("every address of the zone is taken or in quarantine"));
    }
}
