package io.skydeck.network.ipam;

/** The IPAM cannot do what was asked; {@link #reason()} says which kind of no it is (for the problem type). */
public final class IpamRefusal extends RuntimeException {

    public enum Reason {
        /** The network was never registered with the IPAM. */
        UNKNOWN_NETWORK,
        /** The zone is not one of the network's zones. */
        UNKNOWN_ZONE,
        /** No free address is left in the zone (or, in strict mode, in blocks the host may use). */
        ZONE_EXHAUSTED,
        /** The address is not allocated in that network. */
        NOT_ALLOCATED,
        /** The network is registered with another layout. */
        LAYOUT_CONFLICT
    }

    private final Reason reason;

    public IpamRefusal(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
