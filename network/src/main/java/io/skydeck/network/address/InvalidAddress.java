package io.skydeck.network.address;

/** Text that is not a valid address or CIDR range; the message says what is wrong with it. */
public final class InvalidAddress extends IllegalArgumentException {
    public InvalidAddress(String message) {
        super(message);
    }
}
