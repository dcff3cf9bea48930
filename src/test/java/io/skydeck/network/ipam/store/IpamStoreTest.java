package io.skydeck.network.ipam.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agroal.api.AgroalDataSource;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.ipam.Allocation;
import io.skydeck.network.ipam.BlockUse;
import io.skydeck.network.ipam.IpamRefusal;
import io.skydeck.network.ipam.Owner;
import io.skydeck.network.ipam.Route;
import io.skydeck.network.ipam.ZoneUse;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The IPAM's rules played one by one on PostgreSQL, with the addresses worked out by hand. */
class IpamStoreTest {

    static final Duration FIVE_MINUTES = Duration.ofMinutes(5);

    IpamSchema db;
    AgroalDataSource pool;
    MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
    IpamStore ipam;
    UUID net = UUID.randomUUID();
    int owners;

    @BeforeEach
    void aSchemaOfOurOwn() throws Exception {
        db = new IpamSchema();
        pool = db.pool(8);
        ipam = new IpamStore(pool, clock, new IpamStore.Settings(FIVE_MINUTES, 2, 64, 16));
    }

    @AfterEach
    void dropIt() throws Exception {
        ipam.close();
        pool.close();
        db.close();
    }

    @Test
    void aHostFillsItsFirstBlockBeforeItClaimsTheNext() {
        ipam.register(net, Cidr.parse("10.0.0.0/16"), List.of("a", "b"), false);
        List<Allocation> got = new ArrayList<>();
        for (int i = 0; i < 61; i++) {
            got.add(ipam.allocate(net, "a", "h1", server()));
        }
        // 10.0.0.0-3 are zone a's reserved addresses: block 0 hands out .4-.63 (60), the 61st opens block 1.
        assertThat(got.get(0).address()).isEqualTo(IpAddress.parse("10.0.0.4"));
        assertThat(got.get(59).address()).isEqualTo(IpAddress.parse("10.0.0.63"));
        assertThat(got.get(60).address()).isEqualTo(IpAddress.parse("10.0.0.64"));
        assertThat(got.get(60).block()).isEqualTo(Cidr.parse("10.0.0.64/26"));
        assertThat(ipam.routes(net)).containsExactly(new Route(Cidr.parse("10.0.0.0/26"), "h1"), new Route(Cidr.parse("10.0.0.64/26"), "h1"));
        List<ZoneUse> zones = ipam.blocks(net);
        assertThat(zones.get(0)).isEqualTo(new ZoneUse("a", Cidr.parse("10.0.0.0/17"), 512, 2, List.of(
                new BlockUse(0, Cidr.parse("10.0.0.0/26"), "a", "h1", 60, 0, 60, 64),
                new BlockUse(1, Cidr.parse("10.0.0.64/26"), "a", "h1", 1, 0, 64, 64))));
        assertThat(zones.get(1)).isEqualTo(new ZoneUse("b", Cidr.parse("10.0.128.0/17"), 512, 0, List.of()));
    }

    @Test
    void anAddressComesFromTheHostsZone() {
        ipam.register(net, Cidr.parse("10.0.0.0/16"), List.of("a", "b"), false);
        Allocation b = ipam.allocate(net, "b", "h2", server());
        assertThat(b.address()).isEqualTo(IpAddress.parse("10.0.128.4"));
        assertThat(b.zone()).isEqualTo("b");
    }

    @Test
    void aReleasedAddressRestsThroughItsQuarantineThenReturnsToItsBlock() {
        // A /28 in one zone: two /29 blocks; .0-.3 and .15 reserved, so 11 addresses: .4-.14.
        ipam.register(net, Cidr.parse("10.0.0.0/28"), List.of("a"), false);
        for (int i = 4; i <= 14; i++) {
            assertThat(ipam.allocate(net, "a", "h1", server()).address()).isEqualTo(IpAddress.parse("10.0.0." + i));
        }
        assertThatThrownBy(() -> ipam.allocate(net, "a", "h1", server())).isInstanceOfSatisfying(IpamRefusal.class,
                r -> assertThat(r.reason()).isEqualTo(IpamRefusal.Reason.ZONE_EXHAUSTED));

        assertThat(ipam.release(net, IpAddress.parse("10.0.0.9"))).isTrue();
        assertThat(ipam.release(net, IpAddress.parse("10.0.0.9"))).as("released already").isFalse();
        clock.advance(FIVE_MINUTES.minusSeconds(1));
        assertThatThrownBy(() -> ipam.allocate(net, "a", "h1", server())).isInstanceOf(IpamRefusal.class);
        assertThat(ipam.blocks(net).get(0).claimed().get(1)).isEqualTo(new BlockUse(1, Cidr.parse("10.0.0.8/29"), "a", "h1", 6, 1, 7, 8));

        clock.advance(Duration.ofSeconds(1));
        assertThat(ipam.allocate(net, "a", "h1", server()).address()).isEqualTo(IpAddress.parse("10.0.0.9"));
    }

    @Test
    void aHostWhoseZoneHasNoUnclaimedBlockBorrowsAndTheRouteStaysTheBlocks() {
        ipam.register(net, Cidr.parse("10.0.0.0/28"), List.of("a"), false);
        ipam.allocate(net, "a", "h1", server());                       // h1 claims block 0: .4
        for (int i = 8; i <= 14; i++) {                                 // h2 claims block 1: .8-.14
            assertThat(ipam.allocate(net, "a", "h2", server()).address()).isEqualTo(IpAddress.parse("10.0.0." + i));
        }
        Allocation borrowed = ipam.allocate(net, "a", "h2", server());  // no block left: h1's block has .5-.7 free

        assertThat(borrowed.address()).isEqualTo(IpAddress.parse("10.0.0.5"));
        assertThat(borrowed.borrowed()).isTrue();
        assertThat(borrowed.blockHost()).isEqualTo("h1");
        assertThat(ipam.routes(net)).containsExactly(new Route(Cidr.parse("10.0.0.0/29"), "h1"), new Route(Cidr.parse("10.0.0.8/29"), "h2"));
    }

    @Test
    void aStrictNetworkRefusesToBorrow() {
        ipam.register(net, Cidr.parse("10.0.0.0/28"), List.of("a"), true);
        ipam.allocate(net, "a", "h1", server());
        for (int i = 0; i < 7; i++) {
            ipam.allocate(net, "a", "h2", server());
        }
        assertThatThrownBy(() -> ipam.allocate(net, "a", "h2", server()))
                .isInstanceOfSatisfying(IpamRefusal.class, r -> assertThat(r.reason()).isEqualTo(IpamRefusal.Reason.ZONE_EXHAUSTED))
                .hasMessageContaining("strict");
        assertThat(ipam.allocate(net, "a", "h1", server()).address()).as("h1 still has its own block").isEqualTo(IpAddress.parse("10.0.0.5"));
    }

    @Test
    void aReplicaWithAStaleViewOfABlockIsRefusedByTheDatabaseAndPicksAgain() throws Exception {
        ipam.register(net, Cidr.parse("10.0.0.0/16"), List.of("a"), false);
        try (AgroalDataSource otherPool = db.pool(4); IpamStore other = new IpamStore(otherPool, clock, new IpamStore.Settings(FIVE_MINUTES, 1, 64, 16))) {
            assertThat(ipam.allocate(net, "a", "h1", server()).address()).isEqualTo(IpAddress.parse("10.0.0.4"));
            // The other replica reads h1's block on first use, then takes .5; this one still thinks .5 free.
            assertThat(other.allocate(net, "a", "h1", server()).address()).isEqualTo(IpAddress.parse("10.0.0.5"));
            assertThat(ipam.allocate(net, "a", "h1", server()).address()).isEqualTo(IpAddress.parse("10.0.0.6"));
        }
        assertThat(db.query("SELECT count(DISTINCT address) FROM ipam_address")).isEqualTo(3);
    }

    @Test
    void registeringAgainIsHarmlessButAnotherLayoutIsRefused() throws Exception {
        ipam.register(net, Cidr.parse("10.0.0.0/24"), List.of("a", "b"), false);
        ipam.register(net, Cidr.parse("10.0.0.0/24"), List.of("a", "b"), false);
        // /24 over two zones: /25 zones cut into 16 /29 blocks each.
        assertThat(db.query("SELECT count(*) FROM ipam_block")).isEqualTo(32);
        assertThatThrownBy(() -> ipam.register(net, Cidr.parse("10.0.0.0/24"), List.of("a", "b"), true))
                .isInstanceOfSatisfying(IpamRefusal.class, r -> assertThat(r.reason()).isEqualTo(IpamRefusal.Reason.LAYOUT_CONFLICT));
        // Also once this replica has the network in memory (after an allocation), by a layout of another size.
        ipam.allocate(net, "a", "h1", server());
        ipam.register(net, Cidr.parse("10.0.0.0/24"), List.of("a", "b"), false);
        assertThatThrownBy(() -> ipam.register(net, Cidr.parse("10.0.0.0/23"), List.of("a", "b"), false))
                .isInstanceOfSatisfying(IpamRefusal.class, r -> assertThat(r.reason()).isEqualTo(IpamRefusal.Reason.LAYOUT_CONFLICT))
                .hasMessageContaining("is registered as 10.0.0.0/24 over [a, b]");
    }

    @Test
    void anUnknownNetworkOrZoneIsARefusal() {
        assertThatThrownBy(() -> ipam.allocate(UUID.randomUUID(), "a", "h1", server()))
                .isInstanceOfSatisfying(IpamRefusal.class, r -> assertThat(r.reason()).isEqualTo(IpamRefusal.Reason.UNKNOWN_NETWORK));
        ipam.register(net, Cidr.parse("10.0.0.0/24"), List.of("a"), false);
        assertThatThrownBy(() -> ipam.allocate(net, "z", "h1", server()))
                .isInstanceOfSatisfying(IpamRefusal.class, r -> assertThat(r.reason()).isEqualTo(IpamRefusal.Reason.UNKNOWN_ZONE));
    }

    @Test
    void anOwnersAddressesAreFoundAndAReleaseNamingTheOwnerFreesOnlyWhatItHolds() {
        ipam.register(net, Cidr.parse("10.0.0.0/24"), List.of("a"), false);
        Owner vm = new Owner("server", "vm-1");
        IpAddress first = ipam.allocate(net, "a", "h1", vm).address();
        IpAddress second = ipam.allocate(net, "a", "h1", vm).address();
        Owner other = server();
        IpAddress theirs = ipam.allocate(net, "a", "h1", other).address();

        assertThat(ipam.addressesOf(net, vm)).containsExactly(first, second);
        assertThat(ipam.release(net, theirs, vm)).as("not vm-1's address").isFalse();
        assertThat(ipam.addressesOf(net, other)).containsExactly(theirs);
        assertThat(ipam.release(net, first, vm)).isTrue();
        assertThat(ipam.release(net, first, vm)).as("a repeated release").isFalse();
        assertThat(ipam.addressesOf(net, vm)).containsExactly(second);
    }

    @Test
    void aTakenAddressIsTheOwnersExactlyWhenTheOwnersTransactionCommits() throws Exception {
        ipam.register(net, Cidr.parse("10.0.0.0/16"), List.of("a", "b"), false);
        Owner vm = new Owner("server", "vm-1");

        // The host has no block yet: the first take claims block 0 and waits for its reservation.
        IpamStore.Reservation first = ipam.take(net, "a", "h1");
        assertThat(first.allocation().address()).isEqualTo(IpAddress.parse("10.0.0.4"));
        // Meanwhile the host's next four are reserved in the background, held by this replica for nobody.
        awaitReady(4);
        assertThat(db.query("SELECT count(*) FROM ipam_address WHERE owner_type = 'reserved' AND released_at IS NULL")).isEqualTo(5);

        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            assertThat(ipam.bind(c, first, vm)).isTrue();
            c.rollback();
        }
        assertThat(ipam.addressesOf(net, vm)).as("the binding rolled back").isEmpty();
        ipam.giveBack(first);
        IpamStore.Reservation again = ipam.take(net, "a", "h1");
        assertThat(again.allocation().address()).as("given back, taken first").isEqualTo(IpAddress.parse("10.0.0.4"));
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            assertThat(ipam.bind(c, again, vm)).isTrue();
            c.commit();
        }
        assertThat(ipam.addressesOf(net, vm)).containsExactly(IpAddress.parse("10.0.0.4"));
        assertThat(ipam.take(net, "a", "h1").allocation().address()).isEqualTo(IpAddress.parse("10.0.0.5"));
        // Reserved addresses are not counted as used: the block shows its one bound address.
        assertThat(ipam.blocks(net).get(0).claimed().get(0).used()).isEqualTo(1);
        assertThatThrownBy(() -> ipam.bind(pool.getConnection(), again, new Owner("reserved", "x")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anotherReplicaCannotBindThisReplicasReservation() throws Exception {
        ipam.register(net, Cidr.parse("10.0.0.0/24"), List.of("a"), false);
        IpamStore.Reservation mine = ipam.take(net, "a", "h1");
        try (IpamStore other = new IpamStore(pool, clock, new IpamStore.Settings(FIVE_MINUTES, 1, 64, 16));
             Connection c = pool.getConnection()) {
            assertThat(other.bind(c, mine, server())).isFalse();
            IpamStore.Reservation theirs = other.take(net, "a", "h1");
            assertThat(theirs.allocation().address()).as("the other replica reserves past this one's").isNotEqualTo(mine.allocation().address());
        }
    }

    @Test
    void reservationsOlderThanTheirUseAreDroppedAndSweptAndASweptOneNoLongerBinds() throws Exception {
        ipam.register(net, Cidr.parse("10.0.0.0/16"), List.of("a"), false);
        IpamStore.Reservation early = ipam.take(net, "a", "h1");
        awaitReady(4);

        // Past readyFor (five minutes): the host's ready .5-.8 are not handed out any more; a new batch is reserved.
        clock.advance(Duration.ofMinutes(6));
        IpamStore.Reservation later = ipam.take(net, "a", "h1");
        assertThat(later.allocation().address()).isEqualTo(IpAddress.parse("10.0.0.9"));

        // The sweep (at twice readyFor in the service) frees what no create bound, into quarantine.
        assertThat(ipam.sweepReservations(clock.instant().minus(Duration.ofMinutes(1)))).isEqualTo(5);
        try (Connection c = pool.getConnection()) {
            assertThat(ipam.bind(c, early, server())).as("swept: take another").isFalse();
            assertThat(ipam.bind(c, later, server())).as("younger than the cutoff").isTrue();
        }
        assertThat(ipam.blocks(net).get(0).claimed().get(0).quarantined()).isEqualTo(5);
    }

    private void awaitReady(int ready) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ipam.readyCount() < ready && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(ipam.readyCount()).isEqualTo(ready);
    }

    private Owner server() {
        return new Owner("server", "s-" + (++owners));
    }
}
