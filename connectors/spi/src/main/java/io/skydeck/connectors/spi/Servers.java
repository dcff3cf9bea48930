package io.skydeck.connectors.spi;

import java.util.List;
import java.util.Optional;

/** Virtual machines: Nova servers, EC2 instances. */
public non-sealed interface Servers extends Capability, TracksOperations {

    /**
     * Accepts a create. Repeating it with the same token returns the first call's handle and
     * creates nothing; the same token with a different spec is a {@link RequestRejected}.
     *
     * @throws ResourceNotFound for an unknown flavor, image, network, zone or host
     * @throws QuotaExceeded    when the provider's quota or the chosen host's capacity is exhausted
     */
    OperationHandle create(ServerSpec spec, IdempotencyToken token);

    /**
     * Accepts a delete; the server reports DELETING and then is absent. Repeating it with the
     * same token returns the first call's handle.
     *
     * @throws ResourceNotFound when no such server exists (any more): the caller's goal is met
     */
    OperationHandle delete(String serverId, IdempotencyToken token);

    /** Starts a stopped server; starting an active one succeeds without doing anything. */
    OperationHandle start(String serverId);

    /** Stops a server; stopping a stopped one succeeds without doing anything. */
    OperationHandle stop(String serverId);

    /**
     * Changes the flavor; resizing to the current flavor succeeds without doing anything. A
     * connector finishes the whole resize (Nova's confirm step included) before Succeeded.
     */
    OperationHandle resize(String serverId, String flavorId);

    // Actions carrying a token. A provider that can deduplicate an action on a client token
    // overrides these, so that two replicas sending the same operation's action (one whose claim
    // ran out, one that took it over) cause one action. EC2's StartInstances, StopInstances and
    // ModifyInstanceAttribute and Nova's server actions take no client token: their connectors
    // keep these defaults, and what makes a repeat harmless there is that each action is a no-op
    // once its goal holds (see above) and that Skydeck runs one operation per server at a time.

    default OperationHandle start(String serverId, IdempotencyToken token) {
        return start(serverId);
    }

    default OperationHandle stop(String serverId, IdempotencyToken token) {
        return stop(serverId);
    }

    default OperationHandle resize(String serverId, String flavorId, IdempotencyToken token) {
        return resize(serverId, flavorId);
    }

    Optional<ProviderServer> get(String serverId);

    /** The server a create with this token made, if it exists — the restart-recovery lookup. */
    Optional<ProviderServer> findByToken(IdempotencyToken token);

    /**
     * Removes what a create with this token made besides a server, when it made no server (its
     * clean-up found none by the token): a Neutron port made for a boot that every attempt saw
     * fail with a 5xx. Leaves anything a server holds. Nothing to do by default.
     */
    default void releaseLeftovers(IdempotencyToken token) {
    }

    /** Every server in every configured region, Skydeck's or not, for drift detection. */
    List<ProviderServer> list();
}
