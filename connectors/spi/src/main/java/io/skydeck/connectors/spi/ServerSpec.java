package io.skydeck.connectors.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What to create. {@code zone} and {@code host} come from Skydeck's placement decision; a
 * connector whose cloud cannot pin a host (EC2) ignores {@code host}, one that can (Nova's
 * {@code availability_zone=zone:host}) honours it. {@code tags} end up on the resource and on
 * the provider's bill (Skydeck puts tenant and server ids there).
 */
public record ServerSpec(
        String name,
        String region,
        Optional<String> zone,
        Optional<String> host,
        String flavorId,
        String imageId,
        List<String> networkIds,
        List<String> securityGroupIds,
        Map<String, String> tags,
        Optional<String> subnetId,
        Optional<String> fixedAddress) {

    public ServerSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(flavorId, "flavorId");
        Objects.requireNonNull(imageId, "imageId");
        networkIds = List.copyOf(networkIds);
        securityGroupIds = List.copyOf(securityGroupIds);
        tags = Map.copyOf(tags);
        subnetId = subnetId == null ? Optional.empty() : subnetId;
        fixedAddress = fixedAddress == null ? Optional.empty() : fixedAddress;
        if (fixedAddress.isPresent() && (subnetId.isEmpty() || networkIds.size() != 1)) {
            throw new IllegalArgumentException("a fixed address is given on one network's subnet: name exactly one network and its subnet");
        }
    }

    public ServerSpec(String name, String region, Optional<String> zone, Optional<String> host, String flavorId, String imageId,
                      List<String> networkIds, List<String> securityGroupIds, Map<String, String> tags) {
        this(name, region, zone, host, flavorId, imageId, networkIds, securityGroupIds, tags, Optional.empty(), Optional.empty());
    }

    /**
     * In one network, on a subnet, at the address Skydeck's IPAM chose (a Neutron port with that
     * fixed IP; EC2's SubnetId and PrivateIpAddress), in the given security groups.
     */
    public ServerSpec inNetwork(String networkId, String subnetId, String fixedAddress, List<String> securityGroupIds) {
        return new ServerSpec(name, region, zone, host, flavorId, imageId, List.of(networkId), securityGroupIds, tags,
                Optional.of(subnetId), Optional.of(fixedAddress));
    }

    /** The common case: a region and a flavor, no placement pinning, no networks, no tags. */
    public static ServerSpec of(String name, String region, String flavorId, String imageId) {
        return new ServerSpec(name, region, Optional.empty(), Optional.empty(), flavorId, imageId, List.of(), List.of(), Map.of());
    }

    public ServerSpec inZone(String zone) {
        return new ServerSpec(name, region, Optional.of(zone), host, flavorId, imageId, networkIds, securityGroupIds, tags,
                subnetId, fixedAddress);
    }

    public ServerSpec onHost(String zone, String host) {
        return new ServerSpec(name, region, Optional.of(zone), Optional.of(host), flavorId, imageId, networkIds, securityGroupIds, tags,
                subnetId, fixedAddress);
    }

    public ServerSpec withTags(Map<String, String> tags) {
        return new ServerSpec(name, region, zone, host, flavorId, imageId, networkIds, securityGroupIds, tags, subnetId, fixedAddress);
    }
}
