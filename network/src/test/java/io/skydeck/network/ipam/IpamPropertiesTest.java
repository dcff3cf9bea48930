package io.skydeck.network.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.ipam.AllocationRule.Borrow;
import io.skydeck.network.ipam.AllocationRule.Candidate;
import io.skydeck.network.ipam.AllocationRule.ClaimBlock;
import io.skydeck.network.ipam.AllocationRule.Exhausted;
import io.skydeck.network.ipam.AllocationRule.FromOwnBlock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The layout's and the allocation rule's promises. The second half drives the rule through random
 * allocate / release / wait sequences over an in-memory ledger (a stand-in for the database's
 * rows), so that the rule, the bitmaps, the reserved addresses and the quarantine are checked
 * together; the same promises are checked against PostgreSQL in the service's IpamStoreTest.
 */
class IpamPropertiesTest {

    @Property
    void noTwoBlocksOverlapAndEveryBlockLiesInItsZoneRange(@ForAll("layouts") VpcLayout layout) {
        Cidr previous = null;
        for (int i = 0; i < layout.blockCount(); i++) {
            Cidr block = layout.block(i);
            assertThat(layout.zoneRange(layout.zoneOfBlock(i)).contains(block)).as("block %s in zone %s", block, layout.zoneOfBlock(i)).isTrue();
            assertThat(layout.vpc().contains(block)).isTrue();
            if (previous != null) {
                assertThat(block.overlaps(previous)).isFalse();
                assertThat(previous.last().plus(1)).isEqualTo(block.first());
            }
            previous = block;
        }
        for (String a : layout.zones()) {
            for (String b : layout.zones()) {
                assertThat(a.equals(b) || !layout.zoneRange(a).overlaps(layout.zoneRange(b))).isTrue();
            }
        }
    }

    @Property
    void everyZoneReservesExactlyItsFirstFourAndLastAddress(@ForAll("layouts") VpcLayout layout) {
        for (String zone : layout.zones()) {
            Cidr range = layout.zoneRange(zone);
            List<IpAddress> reserved = new ArrayList<>();
            for (int i = layout.firstBlock(zone); i < layout.firstBlock(zone) + layout.blocksPerZone(); i++) {
                long bits = layout.reservedBits(i);
                for (int offset = 0; offset < layout.blockSize(); offset++) {
                    if ((bits & (1L << offset)) != 0) {
                        reserved.add(layout.address(i, offset));
                    }
                }
            }
            assertThat(reserved).containsExactly(range.address(0), range.address(1), range.address(2), range.address(3), range.last());
        }
    }

    @Property(tries = 300)
    void noAddressIsHandedOutTwiceNorDuringQuarantineNorOutsideItsZone(
            @ForAll("layouts") VpcLayout layout, @ForAll boolean strict, @ForAll @IntRange(min = 1, max = 12) int hosts,
            @ForAll @Size(min = 1, max = 400) List<@IntRange(min = 0, max = 99) Integer> steps) {
        Ledger ledger = new Ledger(layout, strict, new Quarantine(Duration.ofMinutes(5)));
        for (int step : steps) {
            String host = "h" + (step % hosts);
            String zone = layout.zones().get((step % hosts) % layout.zones().size());
            if (step < 60) {
                ledger.allocate(zone, host);
            } else if (step < 90) {
                ledger.releaseOne(step);
            } else {
                ledger.now = ledger.now.plus(Duration.ofMinutes(step - 89));
            }
        }
        // Everything held is inside the VPC's zones, once: the checks of each step are in Ledger.allocate.
        assertThat(ledger.held.keySet()).allMatch(a -> layout.vpc().contains(a)).hasSize(ledger.heldOrder.size());
    }

    @Provide
    Arbitrary<VpcLayout> layouts() {
        return Combinators.combine(Arbitraries.longs().between(0, 0xFFFF_FFFFL), Arbitraries.integers().between(16, 28),
                        Arbitraries.integers().between(1, 5))
                .as((value, prefix, zones) -> {
                    Cidr vpc = Cidr.containing(IpAddress.ipv4(value), prefix);
                    int n = Math.min(zones, VpcLayout.maxZones(vpc));
                    List<String> names = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        names.add("zone-" + i);
                    }
                    return VpcLayout.of(vpc, names);
                });
    }

    /** The database's rows, in memory: claimed blocks and address rows (with their release time). */
    static final class Ledger {
        final VpcLayout layout;
        final boolean strict;
        final Quarantine quarantine;
        final Map<Integer, String> blockHost = new TreeMap<>();
        final Map<IpAddress, Instant> released = new HashMap<>();
        final Map<IpAddress, String> held = new HashMap<>();
        final List<IpAddress> heldOrder = new ArrayList<>();
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        int allocations;

        Ledger(VpcLayout layout, boolean strict, Quarantine quarantine) {
            this.layout = layout;
            this.strict = strict;
            this.quarantine = quarantine;
        }

        void allocate(String zone, String host) {
            List<Candidate> own = new ArrayList<>();
            List<Candidate> others = new ArrayList<>();
            boolean unclaimed = false;
            for (int i = layout.firstBlock(zone); i < layout.firstBlock(zone) + layout.blocksPerZone(); i++) {
                String owner = blockHost.get(i);
                if (owner == null) {
                    unclaimed = true;
                } else {
                    (owner.equals(host) ? own : others).add(new Candidate(i, use(i)));
                }
            }
            AllocationRule.Choice choice = AllocationRule.choose(own, unclaimed, strict, others);
            if (choice instanceof ClaimBlock) {
                int block = layout.firstBlock(zone);
                while (blockHost.containsKey(block)) {
                    block++;
                }
                blockHost.put(block, host);
                allocate(zone, host);
                return;
            }
            if (choice instanceof Exhausted) {
                // A refusal is only right when no block of the zone this host may use has room.
                for (int i = layout.firstBlock(zone); i < layout.firstBlock(zone) + layout.blocksPerZone(); i++) {
                    assertThat(blockHost.get(i)).as("exhausted although block %d is unclaimed", i).isNotNull();
                    if (!strict || host.equals(blockHost.get(i))) {
                        assertThat(use(i).isFull()).as("exhausted although block %d has room", i).isTrue();
                    }
                }
                return;
            }
            IpAddress address;
            if (choice instanceof FromOwnBlock f) {
                assertThat(blockHost.get(f.blockIndex())).isEqualTo(host);
                address = layout.address(f.blockIndex(), f.offset());
            } else {
                Borrow b = (Borrow) choice;
                assertThat(strict).as("strict mode never borrows").isFalse();
                assertThat(own).as("a host borrows only when its own blocks are full").allMatch(c -> c.use().isFull());
                address = layout.address(b.blockIndex(), b.offset());
            }
            assertThat(held).as("%s handed out twice", address).doesNotContainKey(address);
            Instant releasedAt = released.remove(address);
            assertThat(releasedAt == null || quarantine.isOver(releasedAt, now)).as("%s reused during its quarantine", address).isTrue();
            assertThat(layout.zoneRange(zone).contains(address)).as("%s outside zone %s", address, zone).isTrue();
            assertThat(layout.reservedBits(layout.blockIndexOf(address)) & (1L << layout.offsetInBlock(address))).isZero();
            held.put(address, host);
            heldOrder.add(address);
            allocations++;
        }

        void releaseOne(int pick) {
            if (heldOrder.isEmpty()) {
                return;
            }
            IpAddress address = heldOrder.remove(pick % heldOrder.size());
            held.remove(address);
            released.put(address, now);
        }

        /** What a store would read back for block i: allocated, in quarantine or reserved is taken. */
        BlockBitmap use(int block) {
            BlockBitmap use = layout.emptyBitmap(block);
            for (int offset = 0; offset < layout.blockSize(); offset++) {
                IpAddress a = layout.address(block, offset);
                Instant r = released.get(a);
                if (held.containsKey(a) || (r != null && !quarantine.isOver(r, now))) {
                    use = use.take(offset);
                }
            }
            return use;
        }
    }
}
