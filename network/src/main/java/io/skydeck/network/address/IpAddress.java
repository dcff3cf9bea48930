package io.skydeck.network.address;

import java.util.Objects;

/**
 * One IPv4 or IPv6 address as a 128-bit number ({@code hi}, {@code lo}); an IPv4 address lives in
 * the low 32 bits. Two longs instead of {@code BigInteger} because the IPAM and the reachability
 * evaluator compare and step addresses millions of times a second.
 */
public record IpAddress(Family family, long hi, long lo) implements Comparable<IpAddress> {

    public IpAddress {
        Objects.requireNonNull(family, "family");
        if (family == Family.IPV4 && (hi != 0 || (lo >>> 32) != 0)) {
            throw new IllegalArgumentException("an IPv4 address has 32 bits");
        }
    }

    public static IpAddress ipv4(long value) {
        return new IpAddress(Family.IPV4, 0, value);
    }

    /** Parses a dotted quad or an IPv6 text form; throws {@link InvalidAddress} saying what is wrong. */
    public static IpAddress parse(String text) {
        Objects.requireNonNull(text, "text");
        return text.indexOf(':') >= 0 ? parseIpv6(text) : parseIpv4(text);
    }

    /** The address {@code offset} places after this one, within its family. */
    public IpAddress plus(long offset) {
        if (family == Family.IPV4) {
            long value = lo + offset;
            if (value < 0 || (value >>> 32) != 0) {
                throw new ArithmeticException(this + " + " + offset + " leaves IPv4");
            }
            return ipv4(value);
        }
        long newLo = lo + offset;
        long carry = Long.compareUnsigned(newLo, lo) < 0 ? 1 : 0;
        return new IpAddress(family, hi + carry, newLo);
    }

    @Override
    public int compareTo(IpAddress other) {
        int byFamily = family.compareTo(other.family);
        if (byFamily != 0) {
            return byFamily;
        }
        int byHi = Long.compareUnsigned(hi, other.hi);
        return byHi != 0 ? byHi : Long.compareUnsigned(lo, other.lo);
    }

    /** Dotted quad, or the RFC 5952 canonical IPv6 text (lower case, longest zero run as "::"). */
    @Override
    public String toString() {
        if (family == Family.IPV4) {
            return (lo >>> 24) + "." + ((lo >>> 16) & 0xff) + "." + ((lo >>> 8) & 0xff) + "." + (lo & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 4; i++) {
            groups[i] = (int) ((hi >>> (48 - 16 * i)) & 0xffff);
            groups[i + 4] = (int) ((lo >>> (48 - 16 * i)) & 0xffff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    private static IpAddress parseIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new InvalidAddress(text + " is not an IPv4 address: it needs four numbers separated by dots");
        }
        long value = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)
                    || (part.length() > 1 && part.charAt(0) == '0')) {
                throw new InvalidAddress(text + " is not an IPv4 address: '" + part + "' is not a number 0-255 without leading zeros");
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new InvalidAddress(text + " is not an IPv4 address: " + octet + " is above 255");
            }
            value = (value << 8) | octet;
        }
        return ipv4(value);
    }

    private static IpAddress parseIpv6(String text) {
        if (text.indexOf('.') >= 0 || text.indexOf('%') >= 0) {
            throw new InvalidAddress(text + " is not supported: write IPv6 addresses in hexadecimal groups, without a zone");
        }
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            throw new InvalidAddress(text + " is not an IPv6 address: '::' may appear once");
        }
        String[] head = gap < 0 ? text.split(":", -1) : splitGroups(text.substring(0, gap));
        String[] tail = gap < 0 ? new String[0] : splitGroups(text.substring(gap + 2));
        int given = head.length + tail.length;
        if (gap < 0 ? given != 8 : given > 7) {
            throw new InvalidAddress(text + " is not an IPv6 address: it needs eight groups, or fewer with '::'");
        }
        int[] groups = new int[8];
        for (int i = 0; i < head.length; i++) {
            groups[i] = group(text, head[i]);
        }
        for (int i = 0; i < tail.length; i++) {
            groups[8 - tail.length + i] = group(text, tail[i]);
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 4; i++) {
            hi = (hi << 16) | groups[i];
            lo = (lo << 16) | groups[i + 4];
        }
        return new IpAddress(Family.IPV6, hi, lo);
    }

    private static String[] splitGroups(String part) {
        return part.isEmpty() ? new String[0] : part.split(":", -1);
    }

    private static int group(String text, String group) {
        if (group.isEmpty() || group.length() > 4) {
            throw new InvalidAddress(text + " is not an IPv6 address: '" + group + "' is not a group of 1-4 hex digits");
        }
        try {
            return Integer.parseInt(group, 16);
        } catch (NumberFormatException e) {
            throw new InvalidAddress(text + " is not an IPv6 address: '" + group + "' is not hexadecimal");
        }
    }
}
