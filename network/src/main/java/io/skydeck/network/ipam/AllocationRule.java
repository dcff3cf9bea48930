package io.skydeck.network.ipam;

import java.util.List;

/**
 * Where a host's next address comes from, in this order: the lowest free address of its own blocks
 * (lowest block first, so a host fills a block before it touches the next); else a new block of
 * its zone; else, unless the network is strict, a free address borrowed from the zone's block with
 * the most free addresses (the route stays that block's); else the zone is exhausted. Addresses
 * never come from another zone.
 */
public final class AllocationRule {

    /** One block with its current use, as the caller sees it. */
    public record Candidate(int blockIndex, BlockBitmap use) {
    }

    public sealed interface Choice permits FromOwnBlock, ClaimBlock, Borrow, Exhausted {
    }

    public record FromOwnBlock(int blockIndex, int offset) implements Choice {
    }

    public record ClaimBlock() implements Choice {
    }

    public record Borrow(int blockIndex, int offset) implements Choice {
    }

    public record Exhausted(String why) implements Choice {
    }

    private AllocationRule() {
    }

    /**
     * @param own             the host's blocks in this zone
     * @param unclaimedInZone whether the zone still has a block nobody claimed
     * @param strict          whether borrowing from another host's block is refused
     * @param othersInZone    the zone's blocks claimed by other hosts (only read when borrowing)
     */
    public static Choice choose(List<Candidate> own, boolean unclaimedInZone, boolean strict, List<Candidate> othersInZone) {
        Candidate lowest = null;
        for (Candidate c : own) {
            if (!c.use().isFull() && (lowest == null || c.blockIndex() < lowest.blockIndex())) {
                lowest = c;
            }
        }
        if (lowest != null) {
            return new FromOwnBlock(lowest.blockIndex(), lowest.use().firstFree());
        }
        if (unclaimedInZone) {
            return new ClaimBlock();
        }
        if (strict) {
            return new Exhausted("the host's blocks are full, the zone has no unclaimed block, and the network is strict (no borrowing)");
        }
        Candidate roomiest = null;
        for (Candidate c : othersInZone) {
            if (!c.use().isFull() && (roomiest == null || c.use().freeCount() > roomiest.use().freeCount())) {
                roomiest = c;
            }
        }
        if (roomiest == null) {
            return new Exhausted("every address of the zone is taken or in quarantine");
        }
        return new Borrow(roomiest.blockIndex(), roomiest.use().firstFree());
    }
}
