package io.skydeck.network.ipam;

import io.skydeck.network.address.Cidr;

/**
 * A claimed block with its use: {@code used} addresses allocated now (not counting quarantine) out
 * of {@code usable} (its size less the zone's reserved addresses), {@code quarantined} resting.
 */
public record BlockUse(int index, Cidr cidr, String zone, String host, int used, int quarantined, int usable, int size) {
}
