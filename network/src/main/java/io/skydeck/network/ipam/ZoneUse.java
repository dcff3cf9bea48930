package io.skydeck.network.ipam;

import io.skydeck.network.address.Cidr;
import java.util.List;

/** One zone of a network's IPAM view: its range, how many of its blocks are claimed, and those blocks' use. */
public record ZoneUse(String zone, Cidr range, int blocks, int claimedBlocks, List<BlockUse> claimed) {
    public ZoneUse {
        claimed = List.copyOf(claimed);
    }
}
