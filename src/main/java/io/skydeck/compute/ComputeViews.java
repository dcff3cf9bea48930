package io.skydeck.compute;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.hibernate.orm.panache.common.ProjectedConstructor;
import io.skydeck.operations.OperationResource.OperationView;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Request and response bodies of the compute API. */
public final class ComputeViews {

    private ComputeViews() {
    }

    static final String NAME_PATTERN = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
    static final String NAME_MESSAGE = "lower-case letters, digits and '-', 1 to 63 characters, like a DNS label";

    /** Where the tenant would like it; every field is optional. */
    public record PlacementHintsView(
            @Pattern(regexp = "(?i)sandbox|openstack|aws|kubernetes", message = "one of sandbox, openstack, aws, kubernetes")
            String providerKind,
            @Size(max = 64) String region,
            @Size(max = 64) String zone,
            @Pattern(regexp = NAME_PATTERN, message = NAME_MESSAGE) String affinityGroup,
            @Pattern(regexp = NAME_PATTERN, message = NAME_MESSAGE) String antiAffinityGroup,
            @DecimalMin(value = "0", message = "must not be negative") BigDecimal maxHourlyPrice) {
    }

    /** An exact placement; only a scheduler or an admin may give one. */
    public record TargetView(@NotBlank String provider, @NotBlank String region, @NotBlank String zone, @NotBlank String host) {
    }

    public record CreateServer(
            UUID tenantId,
            @NotNull UUID projectId,
            @NotBlank @Pattern(regexp = NAME_PATTERN, message = NAME_MESSAGE) String name,
            @NotBlank @Size(max = 64) String flavor,
            @NotBlank @Size(max = 128) String image,
            @Valid PlacementHintsView hints,
            @Valid TargetView target,
            UUID networkId,
            @Size(max = 5) List<@NotNull UUID> securityGroups) {
    }

    public record ServerAction(
            @NotNull @Pattern(regexp = "start|stop|resize", message = "one of start, stop, resize") String action,
            @Size(max = 64) String flavor) {
    }

    public record Placement(String provider, String region, String zone, String host) {
    }

    /** Where a server is in a tenant network; absent for a server in none. */
    public record NetworkAttachment(UUID networkId, UUID subnetId, String privateAddress) {
        static NetworkAttachment of(UUID networkId, UUID subnetId, String privateAddress) {
            return networkId == null ? null : new NetworkAttachment(networkId, subnetId, privateAddress);
        }
    }

    public record ServerView(UUID id, UUID tenantId, UUID projectId, String name, String flavor, String flavorName,
                             String image, String imageName, ServerStatus status, Placement placement, BigDecimal hourlyPrice, String providerServerId,
                             int vcpu, long memoryMib, int gpu, String affinityGroup, String antiAffinityGroup,
                             @JsonInclude(JsonInclude.Include.NON_NULL) NetworkAttachment network,
                             Instant createdAt, Instant updatedAt, Instant deletedAt, long version) {
        /** A list's row, read by the query itself ({@code KeysetQuery} projection): the entity's fields by name. */
        @ProjectedConstructor
        public ServerView(UUID id, UUID tenantId, UUID projectId, String name, String flavor, String flavorName,
                          String image, String imageName, ServerStatus status, String provider, String region, String zone,
                          String host, BigDecimal hourlyPrice, String providerServerId, int vcpu, long memoryMib, int gpu,
                          String affinityGroup, String antiAffinityGroup, UUID networkId, UUID subnetId, String privateAddress,
                          Instant createdAt, Instant updatedAt, Instant deletedAt, long version) {
            this(id, tenantId, projectId, name, flavor, flavorName, image, imageName, status,
                    new Placement(provider, region, zone, host), hourlyPrice, providerServerId, vcpu, memoryMib, gpu,
                    affinityGroup, antiAffinityGroup, NetworkAttachment.of(networkId, subnetId, privateAddress),
                    createdAt, updatedAt, deletedAt, version);
        }

        public static ServerView of(Server s) {
            return new ServerView(s.id(), s.tenantId(), s.projectId(), s.name(), s.flavor(), s.flavorName(), s.image(),
                    s.imageName(), s.status(),
                    new Placement(s.provider(), s.region(), s.zone(), s.host()), s.hourlyPrice(), s.providerServerId(),
                    s.vcpu(), s.memoryMib(), s.gpu(), s.affinityGroup(), s.antiAffinityGroup(),
                    NetworkAttachment.of(s.networkId(), s.subnetId(), s.privateAddress()),
                    s.createdAt(), s.updatedAt(), s.deletedAt(), s.version());
        }
    }

    /** The shape of {@code GET /v1/servers}'s answer, for the API's documentation (the list writes a {@code Page<ServerView>}). */
    public record ServerList(List<ServerView> items, String nextCursor) {
    }

    public record CreateWorkload(
            UUID tenantId,
            @NotNull UUID projectId,
            @NotBlank @Pattern(regexp = NAME_PATTERN, message = NAME_MESSAGE) String name,
            @NotBlank @Size(max = 256) String image,
            @Pattern(regexp = "Deployment|StatefulSet|DaemonSet", message = "one of Deployment, StatefulSet, DaemonSet") String kind,
            @jakarta.validation.constraints.Min(0) @jakarta.validation.constraints.Max(1000) int replicas,
            @jakarta.validation.constraints.Min(1) @jakarta.validation.constraints.Max(256_000) long cpuMillis,
            @jakarta.validation.constraints.Min(1) @jakarta.validation.constraints.Max(2_097_152) long memoryMib,
            @Valid PlacementHintsView hints,
            UUID networkId,
            @Size(max = 5) List<@NotNull UUID> securityGroups) {
    }

    public record ScaleWorkload(@jakarta.validation.constraints.Min(0) @jakarta.validation.constraints.Max(1000) int replicas) {
    }

    public record WorkloadView(UUID id, UUID tenantId, UUID projectId, String name, String kind, String image, int replicas,
                               long cpuMillis, long memoryMib, Workload.Status status, String provider, String region,
                               String providerWorkloadId, @JsonInclude(JsonInclude.Include.NON_NULL) UUID networkId,
                               Instant createdAt, Instant updatedAt, Instant deletedAt, long version) {
        public static WorkloadView of(Workload w) {
            return new WorkloadView(w.id(), w.tenantId(), w.projectId(), w.name(), WorkloadKinds.name(w.kind()), w.image(),
                    w.replicas(), w.cpuMillis(), w.memoryMib(), w.status(), w.provider(), w.region(), w.providerWorkloadId(),
                    w.networkId(), w.createdAt(), w.updatedAt(), w.deletedAt(), w.version());
        }
    }

    /** What a 202 answers: the resource as it is now and the operation to poll. */
    public record Accepted<T>(T resource, OperationView operation) {
    }
}
