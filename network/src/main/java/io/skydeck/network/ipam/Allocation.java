package io.skydeck.network.ipam;

import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;

/**
 * An address handed out and committed: from {@code block}, which {@code blockHost} claimed; when
 * {@code host} is another host of the zone the address is borrowed, and traffic to it still
 * follows the block's route to {@code blockHost}.
 */
public record Allocation(IpAddress address, Cidr block, String zone, String host, String blockHost) {

    public boolean borrowed() {
        return !host.equals(blockHost);
    }
}
