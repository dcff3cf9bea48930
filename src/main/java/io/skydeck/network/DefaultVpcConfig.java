package io.skydeck.network;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.List;

/**
 * {@code skydeck.network.default-vpc.*}: which providers give a tenant a default network for a
 * server or workload created without a {@code networkId}, and its range.
 *
 * <p>Left out by default: OpenStack, because a project there already has Nova's own choice of NIC
 * for a server that names none (and a Neutron without L2 agents, as in the test peer, puts a server
 * booted with a port in ERROR); Kubernetes, because a workload there already runs in the tenant's
 * namespace, which is the isolation a network would give it.
 */
@ConfigMapping(prefix = "skydeck.network.default-vpc")
public interface DefaultVpcConfig {

    /**
     * Providers, by name or by kind ({@code aws} covers every AWS account configured), whose regions
     * get a default network; a value naming no provider ({@code none}) turns default networks off.
     */
    @WithDefault("sandbox,aws")
    List<String> providers();

    /** The default network's IPv4 range (/16 to /28), split into one subnet per zone like any network's. */
    @WithDefault("10.0.0.0/16")
    String cidr();
}
