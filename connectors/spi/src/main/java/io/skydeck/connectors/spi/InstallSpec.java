package io.skydeck.connectors.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * One instance to put a version on. {@code artifact} is an image id or reference (a VM image,
 * a container image); {@code packageUrl} and {@code sha256} describe a package for an install
 * hook, checked by the instance before it installs.
 */
public record InstallSpec(
        String region,
        String instanceId,
        String artifact,
        Optional<String> packageUrl,
        Optional<String> sha256) {

    public InstallSpec {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(artifact, "artifact");
        Objects.requireNonNull(packageUrl, "packageUrl");
        Objects.requireNonNull(sha256, "sha256");
    }
}
