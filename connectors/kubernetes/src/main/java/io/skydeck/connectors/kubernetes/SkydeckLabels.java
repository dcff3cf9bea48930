package io.skydeck.connectors.kubernetes;

/**
 * The labels and annotations Skydeck writes. Labels are what the connector selects by; the
 * annotations carry values a label cannot hold (free text, JSON).
 */
final class SkydeckLabels {
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String MANAGED_BY_VALUE = "skydeck";
    static final String TENANT = "skydeck.io/tenant";
    /** The create's IdempotencyToken: its alphabet and length were chosen to fit a label value. */
    static final String IDEMPOTENCY_TOKEN = "skydeck.io/idempotency-token";
    /** Pod selector of a workload; with the kind so a Deployment and a StatefulSet of one name never share pods. */
    static final String WORKLOAD = "skydeck.io/workload";
    static final String WORKLOAD_KIND = "skydeck.io/workload-kind";

    /**
     * Whether a pod receives its Services' traffic: "in" or "out". Pod templates carry "in", the
     * Services of released workloads select it, and a release pulls a pod out by setting "out".
     * Never part of a controller's selector, so a pod pulled out stays its ReplicaSet's pod and is
     * not replaced.
     */
    static final String TRAFFIC = "skydeck.io/traffic";
    static final String TRAFFIC_IN = "in";
    static final String TRAFFIC_OUT = "out";
    /** On a pod: the last install's token, image and acceptance time, so a repeat returns the first handle. */
    static final String INSTALL_TOKEN = "skydeck.io/install-token";
    static final String INSTALL_IMAGE = "skydeck.io/install-image";
    static final String INSTALL_ACCEPTED_AT = "skydeck.io/install-accepted-at";

    /** Digest of the WorkloadSpec a token created: a replay with another spec is refused. */
    static final String SPEC_DIGEST = "skydeck.io/spec-digest";
    static final String DESCRIPTION = "skydeck.io/description";
    static final String TAGS = "skydeck.io/tags";

    private SkydeckLabels() {
    }
}
