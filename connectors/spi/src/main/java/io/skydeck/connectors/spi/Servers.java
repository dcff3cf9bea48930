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

    Optional<ProviderServer> get(String serverId);

    /** The server a create with this token made, if it exists — the restart-recovery lookup. */
    Optional<ProviderServer> findByToken(IdempotencyToken token);

    /** Every server in every configured region, Skydeck's or not, for drift detection. */
    List<ProviderServer> list();
}
