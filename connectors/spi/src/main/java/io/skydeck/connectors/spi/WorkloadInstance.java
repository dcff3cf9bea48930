package io.skydeck.connectors.spi;

import java.util.Objects;

/**
 * One running instance of a workload as a release sees it — on Kubernetes a pod: its id
 * ("namespace/name", what {@link Deployments} and {@link TrafficControl} take as an instance),
 * the image its container runs now (what a rollback puts back) and whether it is Ready.
 */
public record WorkloadInstance(String id, String image, boolean ready) {
    public WorkloadInstance {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(image, "image");
    }
}
