package io.skydeck.network.ipam;

import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.Family;
import io.skydeck.network.address.IpAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * How a VPC's IPv4 range is carved: one <i>zone range</i> per zone of the region, then each zone
 * range into equal <i>host blocks</i>, the unit a host claims and the unit of one route.
 *
 * <p><b>Zone ranges.</b> The VPC splits into the smallest power of two of equal parts that is at
 * least the number of zones; zone {@code i} (in the order given) takes part {@code i}, and the parts
 * beyond the last zone stay unused (reserved for a zone the region may add). A zone range must be
 * at least a /{@value #SMALLEST_ZONE_PREFIX}, the smallest subnet AWS accepts, so a /28 VPC holds one zone.
 *
 * <p><b>Blocks.</b> /{@value #DEFAULT_BLOCK_PREFIX} (64 addresses, Calico's default) when a zone
 * range holds at least {@value #BLOCKS_PER_SMALL_ZONE} of them (a /22 or larger); a smaller zone
 * range is cut into {@value #BLOCKS_PER_SMALL_ZONE} blocks so that it still serves that many hosts,
 * but never below /{@value #SMALLEST_BLOCK_PREFIX} (8 addresses), where a route would cover hardly
 * more than an address. So a block holds at most 64 addresses and its use fits in one {@code long}.
 *
 * <p><b>Reserved addresses.</b> In every zone range (which becomes a provider subnet) the first
 * {@value #RESERVED_AT_START} addresses and the last one are never handed out: AWS reserves exactly
 * these five, and they cover what Neutron and classic subnets take (network, gateway, broadcast).
 */
public record VpcLayout(Cidr vpc, List<String> zones, int zonePrefix, int blockPrefix) {

    public static final int LARGEST_VPC_PREFIX = 16;
    public static final int SMALLEST_VPC_PREFIX = 28;
    public static final int SMALLEST_ZONE_PREFIX = 28;
    public static final int DEFAULT_BLOCK_PREFIX = 26;
    public static final int SMALLEST_BLOCK_PREFIX = 29;
    public static final int BLOCKS_PER_SMALL_ZONE = 16;
    public static final int RESERVED_AT_START = 4;
    public static final int RESERVED_AT_END = 1;

    public VpcLayout {
        Objects.requireNonNull(vpc, "vpc");
        zones = List.copyOf(zones);
        check(vpc, zones);
        if (zonePrefix != vpc.prefix() + bitsFor(zones.size()) || blockPrefix != blockPrefixFor(zonePrefix)) {
            throw new IllegalArgumentException("/" + zonePrefix + " zones and /" + blockPrefix + " blocks are not the layout of "
                    + vpc + " over " + zones.size() + " zones; use VpcLayout.of");
        }
    }

    /** The layout of {@code vpc} over {@code zones}; refuses a VPC too small for that many zones, saying how many fit. */
    public static VpcLayout of(Cidr vpc, List<String> zones) {
        Objects.requireNonNull(vpc, "vpc");
        check(vpc, zones);
        int zonePrefix = vpc.prefix() + bitsFor(zones.size());
        if (zonePrefix > SMALLEST_ZONE_PREFIX) {
            throw new IllegalArgumentException(vpc + " is too small for " + zones.size() + " zones: each zone needs at least a /"
                    + SMALLEST_ZONE_PREFIX + ", so it holds at most " + maxZones(vpc));
        }
        return new VpcLayout(vpc, zones, zonePrefix, blockPrefixFor(zonePrefix));
    }

    private static void check(Cidr vpc, List<String> zones) {
        if (vpc.family() != Family.IPV4) {
            throw new IllegalArgumentException("the IPAM lays out IPv4 VPCs; " + vpc + " is IPv6");
        }
        if (vpc.prefix() < LARGEST_VPC_PREFIX || vpc.prefix() > SMALLEST_VPC_PREFIX) {
            throw new IllegalArgumentException(vpc + " is outside /" + LARGEST_VPC_PREFIX + "../" + SMALLEST_VPC_PREFIX);
        }
        if (zones.isEmpty() || zones.stream().anyMatch(z -> z == null || z.isBlank()) || new HashSet<>(zones).size() != zones.size()) {
            throw new IllegalArgumentException("zones must be distinct names, at least one: " + zones);
        }
    }

    /** How many zones a VPC of this size can span. */
    public static int maxZones(Cidr vpc) {
        return 1 << Math.max(0, SMALLEST_ZONE_PREFIX - vpc.prefix());
    }

    static int blockPrefixFor(int zonePrefix) {
        return Math.max(DEFAULT_BLOCK_PREFIX, Math.min(SMALLEST_BLOCK_PREFIX, zonePrefix + Integer.numberOfTrailingZeros(BLOCKS_PER_SMALL_ZONE)));
    }

    private static int bitsFor(int zones) {
        return zones <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(zones - 1);
    }

    public int zoneIndex(String zone) {
        int i = zones.indexOf(zone);
        if (i < 0) {
            throw new IpamRefusal(IpamRefusal.Reason.UNKNOWN_ZONE, "zone " + zone + " is not one of this VPC's zones " + zones);
        }
        return i;
    }

    public Cidr zoneRange(String zone) {
        return vpc.block(zonePrefix, zoneIndex(zone));
    }

    /** Addresses in a block: 8..64. */
    public int blockSize() {
        return 1 << (32 - blockPrefix);
    }

    public int blocksPerZone() {
        return 1 << (blockPrefix - zonePrefix);
    }

    /** Blocks of all zones; block indexes count from the start of the VPC, so zone {@code i} has [i·n, (i+1)·n). */
    public int blockCount() {
        return blocksPerZone() * zones.size();
    }

    public int firstBlock(String zone) {
        return zoneIndex(zone) * blocksPerZone();
    }

    public String zoneOfBlock(int blockIndex) {
        checkBlock(blockIndex);
        return zones.get(blockIndex / blocksPerZone());
    }

    public Cidr block(int blockIndex) {
        checkBlock(blockIndex);
        return vpc.block(blockPrefix, blockIndex);
    }

    /** The block an address of the VPC falls in; the address need not be in a zone's blocks. */
    public int blockIndexOf(IpAddress address) {
        return (int) vpc.blockIndexOf(address, blockPrefix);
    }

    public IpAddress address(int blockIndex, int offset) {
        if (offset < 0 || offset >= blockSize()) {
            throw new IndexOutOfBoundsException("offset " + offset + " is outside a /" + blockPrefix);
        }
        return block(blockIndex).address(offset);
    }

    /** Where the address lies in its block. */
    public int offsetInBlock(IpAddress address) {
        return (int) (vpc.offsetOf(address) & (blockSize() - 1));
    }

    /** The addresses of the block that are never handed out (the zone range's first four and last one), as bits by offset. */
    public long reservedBits(int blockIndex) {
        checkBlock(blockIndex);
        int inZone = blockIndex % blocksPerZone();
        long reserved = 0;
        int zoneSize = 1 << (32 - zonePrefix);
        for (int zoneOffset = 0; zoneOffset < RESERVED_AT_START; zoneOffset++) {
            reserved |= bitIfInBlock(zoneOffset, inZone);
        }
        for (int k = 1; k <= RESERVED_AT_END; k++) {
            reserved |= bitIfInBlock(zoneSize - k, inZone);
        }
        return reserved;
    }

    /** A block's free map with its reserved addresses already taken. */
    public BlockBitmap emptyBitmap(int blockIndex) {
        return BlockBitmap.empty(blockSize()).withTaken(reservedBits(blockIndex));
    }

    /** Addresses a block can hand out: its size less its reserved ones. */
    public int usableIn(int blockIndex) {
        return blockSize() - Long.bitCount(reservedBits(blockIndex));
    }

    private long bitIfInBlock(int zoneOffset, int blockInZone) {
        int block = zoneOffset / blockSize();
        return block == blockInZone ? 1L << (zoneOffset % blockSize()) : 0;
    }

    private void checkBlock(int blockIndex) {
        if (blockIndex < 0 || blockIndex >= blockCount()) {
            throw new IndexOutOfBoundsException("block " + blockIndex + " of " + blockCount() + " in " + vpc);
        }
    }
}
