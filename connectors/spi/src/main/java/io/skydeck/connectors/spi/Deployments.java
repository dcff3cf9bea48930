package io.skydeck.connectors.spi;

import java.util.List;

/**
 * Puts a version onto one instance and tells whether the instance is healthy — the "install"
 * and "ignition check" of a release. On a VM the install rebuilds the server from the version's
 * image (or runs its install hook with the package URL and SHA-256, where the provider can run
 * one); on Kubernetes it sets the pod's container image (pods take a new image in place) and,
 * when the whole workload has it, the workload's template. Installs are idempotent by token.
 */
public non-sealed interface Deployments extends Capability, TracksOperations {

    /**
     * @throws ResourceNotFound for an unknown instance
     * @throws RequestRejected  for a version the provider cannot install (an image it does not have)
     */
    OperationHandle install(InstallSpec spec, IdempotencyToken token); // a handle of kind UPDATE on the instance

    /** The ignition check: whether the instance answers its health (VM) or readiness (pod) check now. */
    InstanceHealth health(String region, String instanceId);

    /**
     * Whether {@link #instancesOf} works here: a release of a workload (rather than of servers)
     * runs over the instances it lists. The service refuses a workload release (422) where not.
     */
    default boolean releasesWorkloads() {
        return false;
    }

    /**
     * The instances of a workload that a release puts a version on, in a stable order (the first
     * is the release's bastion); instances on their way out (a terminating pod) are left out.
     *
     * @throws ResourceNotFound for an unknown workload
     * @throws RequestRejected  when the workload's own controller is changing its instances now
     * @throws UnsupportedOperationException where {@link #releasesWorkloads()} is false
     */
    default List<WorkloadInstance> instancesOf(String region, String workloadId) {
        throw new UnsupportedOperationException("this provider cannot release a workload");
    }
}
