package io.skydeck.network.ipam.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.agroal.api.AgroalDataSource;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.ipam.Allocation;
import io.skydeck.network.ipam.BlockUse;
import io.skydeck.network.ipam.IpamRefusal;
import io.skydeck.network.ipam.Owner;
import io.skydeck.network.ipam.VpcLayout;
import io.skydeck.network.ipam.ZoneUse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The IPAM's promises checked against PostgreSQL on random allocate / release / wait sequences in a
 * small network (a /26 or /27: a few /29 blocks, so hosts run out, borrow and exhaust zones, and
 * released addresses come back): no address is handed out while another owner holds it; none is
 * handed out during its quarantine; every address lies in its zone and outside the reserved ones;
 * a refusal happens only when nothing the host may use is free; the database ends holding exactly
 * the addresses handed out and not released.
 */
class IpamStorePropertiesTest {

    static final Duration QUARANTINE = Duration.ofMinutes(5);
    static IpamSchema db;
    static AgroalDataSource pool;
    static MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
    static IpamStore ipam;

    @BeforeContainer
    static void aSchema() throws Exception {
        db = new IpamSchema();
        pool = db.pool(6);
        ipam = new IpamStore(pool, clock, new IpamStore.Settings(QUARANTINE, 2, 64, 16));
    }

    @AfterContainer
    static void dropIt() throws Exception {
        ipam.close();
        pool.close();
        db.close();
    }

    @Property(tries = 25)
    void addressesAreNeverSharedNeverReusedInQuarantineAndStayInTheirZone(
            @ForAll boolean strict, @ForAll boolean twoZones, @ForAll @IntRange(min = 26, max = 27) int prefix, @ForAll boolean takeAndBind,
            @ForAll @Size(min = 20, max = 150) List<@IntRange(min = 0, max = 99) Integer> steps) throws Exception {
        UUID network = UUID.randomUUID();
        List<String> zones = twoZones ? List.of("a", "b") : List.of("a");
        VpcLayout layout = ipam.register(network, Cidr.parse("10.9.0.0/" + prefix), zones, strict);
        Map<IpAddress, String> held = new HashMap<>();
        List<IpAddress> heldOrder = new ArrayList<>();
        Map<IpAddress, Instant> releasedAt = new HashMap<>();
        int n = 0;
        for (int step : steps) {
            n++;
            if (step < 65) {
                String zone = zones.get(step % zones.size());
                String host = zone + "-h" + (step % 4);
                String owner = "o" + n;
                try {
                    Allocation a;
                    if (takeAndBind) {
                        // The service's path: a host's ready (reserved) address, bound in the owner's transaction.
                        IpamStore.Reservation r = ipam.take(network, zone, host);
                        try (Connection c = pool.getConnection()) {
                            assertThat(ipam.bind(c, r, new Owner("server", owner))).isTrue();
                        }
                        a = r.allocation();
                    } else {
                        a = ipam.allocate(network, zone, host, new Owner("server", owner));
                    }
                    IpAddress address = a.address();
                    assertThat(held).as("%s handed out while held", address).doesNotContainKey(address);
                    Instant released = releasedAt.remove(address);
                    assertThat(released == null || !clock.instant().isBefore(released.plus(QUARANTINE)))
                            .as("%s handed out during its quarantine", address).isTrue();
                    assertThat(layout.zoneRange(zone).contains(address)).as("%s in zone %s", address, zone).isTrue();
                    assertThat(layout.reservedBits(layout.blockIndexOf(address)) & (1L << layout.offsetInBlock(address))).isZero();
                    assertThat(strict && a.borrowed()).as("strict mode borrowed").isFalse();
                    held.put(address, owner);
                    heldOrder.add(address);
                    Statistics.label("allocations").collect(a.borrowed() ? "borrowed" : released != null ? "reused after quarantine" : "own block");
                } catch (IpamRefusal refusal) {
                    assertThat(refusal.reason()).isEqualTo(IpamRefusal.Reason.ZONE_EXHAUSTED);
                    Statistics.label("allocations").collect(strict ? "refused (strict)" : "refused (zone full)");
                    ZoneUse use = ipam.blocks(network).get(zones.indexOf(zone));
                    assertThat(use.claimedBlocks()).as("refused while the zone has an unclaimed block").isEqualTo(use.blocks());
                    for (BlockUse b : use.claimed()) {
                        if (!strict || b.host().equals(host)) {
                            // Held, reserved for a host (take's ready addresses) or resting: every usable address of the block.
                            assertThat(unavailable(network, b.index())).as("refused while %s has room", b.cidr()).isEqualTo(b.usable());
                        }
                    }
                }
            } else if (step < 90) {
                if (!heldOrder.isEmpty()) {
                    IpAddress address = heldOrder.remove(step % heldOrder.size());
                    held.remove(address);
                    assertThat(ipam.release(network, address)).isTrue();
                    releasedAt.put(address, clock.instant());
                }
            } else {
                clock.advance(Duration.ofMinutes(step - 89));
            }
        }
        Map<IpAddress, String> live = new HashMap<>();
        try (Connection c = db.connect();
             PreparedStatement s = c.prepareStatement("SELECT host(address), owner_id FROM ipam_address WHERE network_id = ?"
                     + " AND released_at IS NULL AND owner_type <> 'reserved'")) {
            s.setObject(1, network);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    live.put(IpAddress.parse(rs.getString(1)), rs.getString(2));
                }
            }
        }
        assertThat(live).isEqualTo(held);
        long claimed = ipam.blocks(network).stream().mapToLong(ZoneUse::claimedBlocks).sum();
        assertThat(ipam.routes(network)).hasSize((int) claimed);
    }

    /** Addresses of the block that no one may be handed now: live rows (held or reserved) and those in quarantine. */
    private static long unavailable(UUID network, int blockIndex) throws Exception {
        try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT count(*) FROM ipam_address WHERE network_id = ? AND block_index = ? AND (released_at IS NULL OR released_at > ?)")) {
            s.setObject(1, network);
            s.setInt(2, blockIndex);
            s.setObject(3, java.time.OffsetDateTime.ofInstant(clock.instant().minus(QUARANTINE), java.time.ZoneOffset.UTC));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
