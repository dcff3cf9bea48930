package io.skydeck.network;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.skydeck.operations.OperationResource.OperationView;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Request and response bodies of the network API. */
public final class NetworkViews {

    private NetworkViews() {
    }

    static final String NAME_PATTERN = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
    static final String NAME_MESSAGE = "lower-case letters, digits and '-', 1 to 63 characters, like a DNS label";

    /** Where the tenant would like the network; every field is optional. */
    public record NetworkHints(@Size(max = 64) String provider,
                               @Pattern(regexp = "(?i)sandbox|openstack|aws|kubernetes", message = "one of sandbox, openstack, aws, kubernetes")
                               String providerKind,
                               @Size(max = 64) String region) {
    }

    /** A subnet the tenant carves itself; without any, one per zone is carved automatically. */
    public record SubnetRequest(@NotBlank @Size(max = 64) String zone, @NotBlank @Size(max = 43) String cidr) {
    }

    /**
     * {@code ipv6Cidr} is the tenant's IPv6 range; {@code ipv6} true without one asks a provider that
     * assigns the range itself (AWS's Amazon-provided /56) for a dual-stack network.
     */
    public record CreateNetwork(
            UUID tenantId,
            @NotNull UUID projectId,
            @NotBlank @Pattern(regexp = NAME_PATTERN, message = NAME_MESSAGE) String name,
            @NotBlank @Size(max = 43) String cidr,
            @Size(max = 43) String ipv6Cidr,
            Boolean ipv6,
            @Valid NetworkHints hints,
            @Valid @Size(max = 16) List<@NotNull @Valid SubnetRequest> subnets) {
    }

    public record SubnetView(UUID id, UUID networkId, String zone, String cidr, String ipv6Cidr, Subnet.Status status,
                             String providerSubnetId) {
        static SubnetView of(Subnet s) {
            return new SubnetView(s.id(), s.networkId(), s.zone(), s.cidr(), s.ipv6Cidr(), s.status(), s.providerSubnetId());
        }
    }

    public record NetworkView(UUID id, UUID tenantId, UUID projectId, String name, String cidr, String ipv6Cidr,
                              String provider, String region, Network.Status status, String providerNetworkId,
                              @JsonProperty("default") boolean isDefault, List<SubnetView> subnets, Instant createdAt, Instant updatedAt) {
        static NetworkView of(Network n, List<Subnet> subnets) {
            return new NetworkView(n.id(), n.tenantId(), n.projectId(), n.name(), n.cidr(), n.ipv6Cidr(), n.provider(), n.region(),
                    n.status(), n.providerNetworkId(), n.isDefault(), subnets.stream().map(SubnetView::of).toList(), n.createdAt(),
                    n.updatedAt());
        }
    }

    /** A 202's body: the network as it is now and the operation that realises (or removes) it. */
    public record Accepted(NetworkView resource, OperationView operation) {
    }
}
