package io.skydeck.connectors.spi;

import java.util.List;
import java.util.Optional;

/** Container workloads: Deployments, StatefulSets, DaemonSets. */
public non-sealed interface Workloads extends Capability, TracksOperations {

    /**
     * Accepts a create; same token, same handle, nothing new (on Kubernetes the token is a label).
     *
     * @throws QuotaExceeded when the namespace's quota or the pool's capacity is exhausted
     */
    OperationHandle create(WorkloadSpec spec, IdempotencyToken token);

    /** @throws ResourceNotFound when no such workload exists (any more) */
    OperationHandle delete(String workloadId, IdempotencyToken token);

    /** Sets the desired replicas; the current count succeeds without doing anything. */
    OperationHandle scale(String workloadId, int replicas);

    /**
     * Scales, deduplicated on {@code token} where the provider can. Kubernetes keeps this
     * default: setting the desired replicas is declarative, so a repeat changes nothing.
     */
    default OperationHandle scale(String workloadId, int replicas, IdempotencyToken token) {
        return scale(workloadId, replicas);
    }

    Optional<ProviderWorkload> get(String workloadId);

    Optional<ProviderWorkload> findByToken(IdempotencyToken token);

    List<ProviderWorkload> list();
}
