package io.skydeck.network.address;

import java.util.Objects;

/**
 * A canonical CIDR range: its first address has no bits set below the prefix. Parsing refuses a
 * range with host bits ("10.0.0.1/24") rather than silently masking it, because a tenant who wrote
 * it meant something else and two spellings of one range would defeat overlap checks by text.
 */
public record Cidr(IpAddress network, int prefix) implements Comparable<Cidr> {

    public Cidr {
        Objects.requireNonNull(network, "network");
        int bits = network.family().bits();
        if (prefix < 0 || prefix > bits) {
            throw new InvalidAddress("/" + prefix + " is outside /0../" + bits + " for " + network.family());
        }
        if (network.hi() != (network.hi() & hiMask(network.family(), prefix))
                || network.lo() != (network.lo() & loMask(network.family(), prefix))) {
            throw new InvalidAddress(network + "/" + prefix + " is not a canonical range: bits below the prefix are set; did you mean "
                    + containing(network, prefix) + "?");
        }
    }

    /** Parses "address/prefix"; the message of the {@link InvalidAddress} it throws names the problem. */
    public static Cidr parse(String text) {
        Objects.requireNonNull(text, "text");
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new InvalidAddress(text + " is not a CIDR range: it needs a prefix length, as in 10.0.0.0/16");
        }
        IpAddress network = IpAddress.parse(text.substring(0, slash));
        String length = text.substring(slash + 1);
        if (length.isEmpty() || length.length() > 3 || !length.chars().allMatch(Character::isDigit)) {
            throw new InvalidAddress(text + " is not a CIDR range: '" + length + "' is not a prefix length");
        }
        return new Cidr(network, Integer.parseInt(length));
    }

    /** The range of this prefix length that holds the address. */
    public static Cidr containing(IpAddress address, int prefix) {
        Family family = address.family();
        if (prefix < 0 || prefix > family.bits()) {
            throw new InvalidAddress("/" + prefix + " is outside /0../" + family.bits() + " for " + family);
        }
        return new Cidr(new IpAddress(family, address.hi() & hiMask(family, prefix), address.lo() & loMask(family, prefix)), prefix);
    }

    public Family family() {
        return network.family();
    }

    /** Bits below the prefix: a /26 of IPv4 has 6, so 64 addresses. */
    public int hostBits() {
        return family().bits() - prefix;
    }

    /** Addresses in the range; only for ranges of at most 2^62 addresses. */
    public long size() {
        requireSmall(hostBits());
        return 1L << hostBits();
    }

    public IpAddress first() {
        return network;
    }

    public IpAddress last() {
        Family family = family();
        return new IpAddress(family, network.hi() | ~hiMask(family, prefix) & widthMaskHi(family),
                network.lo() | ~loMask(family, prefix) & widthMaskLo(family));
    }

    public boolean contains(IpAddress address) {
        Family family = family();
        return address.family() == family
                && (address.hi() & hiMask(family, prefix)) == network.hi()
                && (address.lo() & loMask(family, prefix)) == network.lo();
    }

    public boolean contains(Cidr other) {
        return other.prefix >= prefix && contains(other.network);
    }

    public boolean overlaps(Cidr other) {
        return contains(other) || other.contains(this);
    }

    /** How many blocks of {@code blockPrefix} the range splits into. */
    public long blockCount(int blockPrefix) {
        requireBlockPrefix(blockPrefix);
        requireSmall(blockPrefix - prefix);
        return 1L << (blockPrefix - prefix);
    }

    /** The {@code index}-th block of length {@code blockPrefix}, counting from the start of the range. */
    public Cidr block(int blockPrefix, long index) {
        long count = blockCount(blockPrefix);
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("block " + index + " of " + count + " /" + blockPrefix + " blocks in " + this);
        }
        int shift = family().bits() - blockPrefix;
        return new Cidr(shifted(index, shift), blockPrefix);
    }

    /** Which block of length {@code blockPrefix} the address falls in; the address must be in range. */
    public long blockIndexOf(IpAddress address, int blockPrefix) {
        requireBlockPrefix(blockPrefix);
        return offsetOf(address) >>> (family().bits() - blockPrefix);
    }

    /** The address {@code offset} places after the start of the range. */
    public IpAddress address(long offset) {
        if (offset < 0 || (hostBits() < 63 && offset >= size())) {
            throw new IndexOutOfBoundsException("offset " + offset + " is outside " + this);
        }
        return network.plus(offset);
    }

    /** How far the address lies from the start of the range; only for ranges of at most 2^62 addresses. */
    public long offsetOf(IpAddress address) {
        if (!contains(address)) {
            throw new IllegalArgumentException(address + " is not in " + this);
        }
        requireSmall(hostBits());
        return address.lo() - network.lo();
    }

    @Override
    public int compareTo(Cidr other) {
        int byNetwork = network.compareTo(other.network);
        return byNetwork != 0 ? byNetwork : Integer.compare(prefix, other.prefix);
    }

    @Override
    public String toString() {
        return network + "/" + prefix;
    }

    private IpAddress shifted(long index, int shift) {
        if (shift >= 64) {
            return new IpAddress(family(), network.hi() + (index << (shift - 64)), network.lo());
        }
        long addLo = index << shift;
        long addHi = shift == 0 ? 0 : index >>> (64 - shift);
        long lo = network.lo() + addLo;
        long carry = Long.compareUnsigned(lo, network.lo()) < 0 ? 1 : 0;
        return new IpAddress(family(), network.hi() + addHi + carry, lo);
    }

    private void requireBlockPrefix(int blockPrefix) {
        if (blockPrefix < prefix || blockPrefix > family().bits()) {
            throw new IllegalArgumentException("/" + blockPrefix + " blocks do not fit in " + this);
        }
    }

    private static void requireSmall(int bits) {
        if (bits > 62) {
            throw new ArithmeticException("2^" + bits + " does not fit a long");
        }
    }

    private static long hiMask(Family family, int prefix) {
        if (family == Family.IPV4) {
            return 0;
        }
        return prefix >= 64 ? -1L : prefix == 0 ? 0 : -1L << (64 - prefix);
    }

    private static long loMask(Family family, int prefix) {
        if (family == Family.IPV4) {
            return prefix == 0 ? 0 : (0xFFFF_FFFFL << (32 - prefix)) & 0xFFFF_FFFFL;
        }
        return prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
    }

    private static long widthMaskHi(Family family) {
        return family == Family.IPV4 ? 0 : -1L;
    }

    private static long widthMaskLo(Family family) {
        return family == Family.IPV4 ? 0xFFFF_FFFFL : -1L;
    }
}
