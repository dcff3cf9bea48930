package io.skydeck.connectors.aws;

import io.skydeck.connectors.spi.ProviderServer;
import io.skydeck.connectors.spi.ServerStatus;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Optional;

/** An EC2 instance in Skydeck's words; EC2 hides hosts, so {@code host} is always empty. */
final class InstanceToProviderServer {
    private InstanceToProviderServer() {
    }

    static ProviderServer convert(Instance instance, String region) {
        var addresses = new ArrayList<String>();
        Optional.ofNullable(instance.privateIpAddress()).ifPresent(addresses::add);
        Optional.ofNullable(instance.publicIpAddress()).ifPresent(addresses::add);
        String state = instance.state() == null ? "unknown" : instance.state().nameAsString();
        return new ProviderServer(
                instance.instanceId(),
                Ec2Tags.name(instance.tags()).orElse(instance.instanceId()),
                region,
                instance.placement() == null || instance.placement().availabilityZone() == null
                        ? "" : instance.placement().availabilityZone(),
                Optional.empty(),
                nullToEmpty(instance.instanceTypeAsString()),
                nullToEmpty(instance.imageId()),
                status(instance.state() == null ? InstanceStateName.UNKNOWN_TO_SDK_VERSION : instance.state().name()),
                state,
                Ec2Tags.asToken(instance.clientToken()),
                addresses,
                Ec2Tags.userTags(instance.tags()),
                instance.launchTime() == null ? Instant.EPOCH : instance.launchTime());
    }

    /** The SPI's table: pending → BUILDING, stopping/stopped → STOPPED, shutting-down → DELETING. */
    static ServerStatus status(InstanceStateName state) {
        return switch (state) {
            case PENDING -> ServerStatus.BUILDING;
            case RUNNING -> ServerStatus.ACTIVE;
            case STOPPING, STOPPED -> ServerStatus.STOPPED;
            case SHUTTING_DOWN -> ServerStatus.DELETING;
            // Terminated instances are filtered out before conversion: a deleted server is absent.
            case TERMINATED, UNKNOWN_TO_SDK_VERSION -> ServerStatus.UNKNOWN;
        };
    }

    static boolean isGone(Instance instance) {
        return instance.state() != null && instance.state().name() == InstanceStateName.TERMINATED;
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
