package io.skydeck.connectors.spi;

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
}
