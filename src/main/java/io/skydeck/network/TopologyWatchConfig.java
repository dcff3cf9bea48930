package io.skydeck.network;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;

/** {@code skydeck.network.topology-watch}: whether reachability trusts the replica's {@code TenantChanges} for topology changes ({@link TopologyWatch}). */
@ConfigMapping(prefix = "skydeck.network.topology-watch")
public interface TopologyWatchConfig {

    /** {@code false}: every reachability question reads the tenant's topology version. */
    @WithParentName
    @WithDefault("true")
    boolean enabled();
}
