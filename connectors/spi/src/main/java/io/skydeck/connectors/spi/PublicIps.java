package io.skydeck.connectors.spi;

import java.util.List;
import java.util.Optional;

/** Public addresses: floating IPs, Elastic IPs. */
public non-sealed interface PublicIps extends Capability, TracksOperations {

    /** @throws QuotaExceeded when the pool or the account has no address left */
    OperationHandle allocate(PublicIpSpec spec, IdempotencyToken token);

    /** Releases the address; it must be disassociated first or the provider rejects it. */
    OperationHandle release(String publicIpId, IdempotencyToken token);

    /** Points the address at a server; associating it with the same server again succeeds. */
    OperationHandle associate(String publicIpId, String serverId);

    OperationHandle disassociate(String publicIpId);

    Optional<ProviderPublicIp> get(String publicIpId);

    Optional<ProviderPublicIp> findByToken(IdempotencyToken token);

    List<ProviderPublicIp> list();
}
