package io.skydeck.network;

import io.quarkus.test.junit.QuarkusTest;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.ipam.Ipam;
import io.skydeck.network.ipam.Owner;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Addresses held for servers that never committed (or were deleted) are given back; others are not. */
@QuarkusTest
class AddressSweepTest {

    @Inject
    Ipam ipam;

    @Inject
    AddressSweep sweep;

    @Test
    void anAddressHeldForNoServerIsReleasedAndOnlyOnceItIsOlderThanTheGrace() throws InterruptedException {
        UUID subnet = UUID.randomUUID();
        ipam.register(subnet, Cidr.parse("172.30.0.0/24"), List.of("zone-1"));
        Owner nobody = new Owner("server", UUID.randomUUID().toString());
        Owner notAServer = new Owner("port", UUID.randomUUID().toString());
        ipam.allocate(subnet, "zone-1", "host-1", nobody);
        ipam.allocate(subnet, "zone-1", "host-1", notAServer);
        Thread.sleep(20);

        assertThat(sweep.sweep(Duration.ofHours(1))).as("younger than the grace: a create may still commit").isZero();
        assertThat(ipam.addressesOf(subnet, nobody)).hasSize(1);

        assertThat(sweep.sweep(Duration.ZERO)).isGreaterThanOrEqualTo(1);
        assertThat(ipam.addressesOf(subnet, nobody)).isEmpty();
        assertThat(ipam.addressesOf(subnet, notAServer)).as("only servers' addresses are swept").hasSize(1);
        assertThat(ipam.blocks(subnet).get(0).claimed().get(0).quarantined()).as("released into quarantine").isEqualTo(1);
    }
}
