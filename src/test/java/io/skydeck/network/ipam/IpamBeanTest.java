package io.skydeck.network.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.ipam.store.IpamStore;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The service's Ipam bean on the service's own data source and migrations: the same IpamStore the
 * bench times, reached the way the networks API will reach it.
 */
@QuarkusTest
class IpamBeanTest {

    @Inject
    Ipam ipam;

    @Inject
    io.agroal.api.AgroalDataSource db;

    @Test
    void theServiceAllocatesReleasesAndShowsBlocksAndRoutesThroughItsIpamBean() {
        UUID network = UUID.randomUUID();
        ipam.register(network, Cidr.parse("172.16.0.0/20"), List.of("zone-1", "zone-2"));
        // /20 over two zones: /21 zone ranges of 2^(26-21) = 32 /26 blocks; zone-2 starts at 172.16.8.0, block 32.
        Allocation a = ipam.allocate(network, "zone-2", "compute-7", new Owner("server", "vm-1"));

        assertThat(a.address()).isEqualTo(IpAddress.parse("172.16.8.4"));
        assertThat(ipam.routes(network)).containsExactly(new Route(Cidr.parse("172.16.8.0/26"), "compute-7"));
        assertThat(ipam.blocks(network).get(1).claimed()).containsExactly(
                new BlockUse(32, Cidr.parse("172.16.8.0/26"), "zone-2", "compute-7", 1, 0, 60, 64));
        assertThat(ipam.release(network, a.address(), new Owner("server", "vm-1"))).isTrue();
        assertThat(ipam.blocks(network).get(1).claimed().get(0).quarantined()).isEqualTo(1);
    }

    @Test
    void anAllocationStaysCommittedWhenTheCallersTransactionRollsBack() {
        UUID network = UUID.randomUUID();
        ipam.register(network, Cidr.parse("172.17.0.0/24"), List.of("zone-1"));
        IpAddress[] address = new IpAddress[1];

        assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(() -> {
            address[0] = ipam.allocate(network, "zone-1", "compute-1", new Owner("server", "vm-2")).address();
            throw new IllegalStateException("the caller's later work failed");
        })).hasStackTraceContaining("the caller's later work failed");

        // The bean suspends the caller's transaction: the block claim and the address row were its own commits.
        assertThat(ipam.routes(network)).containsExactly(new Route(Cidr.parse("172.17.0.0/28"), "compute-1"));
        assertThat(ipam.addressesOf(network, new Owner("server", "vm-2"))).containsExactly(address[0]);
    }

    @Test
    void aTakenAddressBindsInTheCallersTransactionAndOnlyACommitKeepsIt() {
        UUID network = UUID.randomUUID();
        ipam.register(network, Cidr.parse("172.18.0.0/24"), List.of("zone-1"));
        Owner vm = new Owner("server", "vm-3");
        IpamStore.Reservation[] taken = new IpamStore.Reservation[1];

        assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(() -> {
            taken[0] = ipam.take(network, "zone-1", "compute-1");
            assertThat(ipam.bind(taken[0], vm)).isTrue();
            throw new IllegalStateException("the server's create failed after its address was bound");
        })).hasStackTraceContaining("the server's create failed");
        assertThat(ipam.addressesOf(network, vm)).as("the binding rolled back with the caller").isEmpty();
        assertThatThrownBy(() -> ipam.bind(taken[0], vm)).as("bind runs only inside the owner's transaction")
                .hasStackTraceContaining("TransactionRequiredException");

        ipam.giveBack(taken[0]);
        IpamStore.Reservation again = QuarkusTransaction.requiringNew().call(() -> {
            IpamStore.Reservation r = ipam.take(network, "zone-1", "compute-1");
            assertThat(ipam.bind(r, vm)).isTrue();
            return r;
        });
        assertThat(again.allocation().address()).as("given back, taken again").isEqualTo(taken[0].allocation().address());
        assertThat(ipam.addressesOf(network, vm)).containsExactly(again.allocation().address());
    }

    @Test
    void aBindQueuedForTheCommitMakesTheAddressTheOwnersOrRefusesWhenTheReservationIsGone() throws SQLException {
        UUID network = UUID.randomUUID();
        ipam.register(network, Cidr.parse("172.19.0.0/24"), List.of("zone-1"));
        Owner vm = new Owner("server", "vm-4");

        // Queued: nothing is bound until the transaction's queued statements go, here at its commit.
        IpamStore.Reservation bound = QuarkusTransaction.requiringNew().call(() -> {
            IpamStore.Reservation r = ipam.take(network, "zone-1", "compute-1");
            ipam.bindAtCommit(r, vm, IllegalStateException::new);
            return r;
        });
        assertThat(ipam.addressesOf(network, vm)).containsExactly(bound.allocation().address());

        // A reservation swept behind this replica's back (as the sweep of an old one, or a database that lost it) refuses.
        Owner other = new Owner("server", "vm-5");
        IpamStore.Reservation gone = QuarkusTransaction.requiringNew().call(() -> ipam.take(network, "zone-1", "compute-1"));
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "UPDATE ipam_address SET released_at = now() WHERE network_id = ? AND address = CAST(? AS inet)")) {
            s.setObject(1, network);
            s.setString(2, gone.allocation().address().toString());
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
        assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(() -> {
            ipam.bindAtCommit(gone, other, message -> new IllegalStateException("refused: " + message));
            ipam.giveBack(gone); // as the create's rollback does, before its caller learns of the refusal
        })).hasStackTraceContaining("refused: address " + gone.allocation().address() + " of network " + network
                + " is no longer reserved by this replica");
        assertThat(ipam.addressesOf(network, other)).isEmpty();

        // Discarded, it is not handed out again: the next take is another address, and binds.
        ipam.discard(gone);
        IpamStore.Reservation next = QuarkusTransaction.requiringNew().call(() -> {
            IpamStore.Reservation r = ipam.take(network, "zone-1", "compute-1");
            ipam.bindAtCommit(r, other, IllegalStateException::new);
            return r;
        });
        assertThat(next.allocation().address()).isNotEqualTo(gone.allocation().address());
        assertThat(ipam.addressesOf(network, other)).containsExactly(next.allocation().address());
    }
}
