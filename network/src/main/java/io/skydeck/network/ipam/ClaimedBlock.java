package io.skydeck.network.ipam;

import io.skydeck.network.address.Cidr;

/** A block a host has claimed; it stays the host's, and its route points at the host. */
public record ClaimedBlock(int index, Cidr cidr, String zone, String host) {
}
