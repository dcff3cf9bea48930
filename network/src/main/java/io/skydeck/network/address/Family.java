package io.skydeck.network.address;

/** The address family, with its width in bits. */
public enum Family {
    IPV4(32),
    IPV6(128);

    private final int bits;

    Family(int bits) {
        this.bits = bits;
    }

    public int bits() {
        return bits;
    }
}
