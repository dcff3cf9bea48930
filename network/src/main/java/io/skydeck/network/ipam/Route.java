package io.skydeck.network.ipam;

import io.skydeck.network.address.Cidr;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * One aggregated route: a whole block to the host that claimed it. There is one per claimed
 * block and never one per address, however many addresses are in use (a borrowed address too
 * travels by its block's route), so a switch holds as many routes as there are blocks — the seed's
 * answer to dense containers overloading the route tables.
 */
public record Route(Cidr destination, String nextHop) {

    /** The routes of a network: one per claimed block, ordered by destination. */
    public static List<Route> of(Collection<ClaimedBlock> blocks) {
        return blocks.stream()
                .sorted(Comparator.comparing(ClaimedBlock::cidr))
                .map(b -> new Route(b.cidr(), b.host()))
                .toList();
    }
}
