package io.skydeck.release;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The JSON of {@code /v1/applications} and {@code /v1/releases}: requests in, views out. */
public final class ReleaseViews {

    private ReleaseViews() {
    }

    /** {@code tenantId}: whose application (an operator must say; a tenant's token says it already). */
    public record CreateApplication(UUID tenantId, @NotBlank @Size(max = 100) String name) {
    }

    /**
     * A group: either {@code serverIds} (the tenant's servers, in release order: the first is the
     * bastion) or {@code workloadId}; {@code trafficTarget} is the id of what carries its traffic on
     * the provider (a sandbox load balancer's name, an ELBv2 target group ARN, ...), none if it has none.
     */
    public record CreateGroup(@NotBlank @Size(max = 100) String name, List<UUID> serverIds, UUID workloadId,
                              @Size(max = 500) String trafficTarget) {
    }

    /** A version: {@code packageUrl} with its {@code sha256} (64 hex digits), and/or an {@code image}. */
    public record CreateVersion(@NotBlank @Size(max = 100) String name, @Size(max = 2000) String packageUrl, String sha256,
                                @Size(max = 500) String image) {
    }

    /**
     * A release. {@code strategy} defaults to ROLLING; RECREATE takes no batch, bastion or online
     * minimum. BLUE_GREEN, DARK and AB_TEST name a {@code standbyGroupId} (same application,
     * provider, region and traffic target as the group, no server in common) that gets the version
     * while the group keeps serving, and take only {@code parallelism} and {@code brakeRatio};
     * AB_TEST also names {@code routeHeader} and {@code routeValue} (a cookie: header {@code Cookie}). CANARY needs {@code canary}
     * (see {@link GateViews}); ROLLING and CANARY may be judged by an {@code analysis}. The batch is
     * {@code batchSize} instances or {@code batchPercent} of the group (not both; default 1
     * instance); {@code parallelism} (default: the batch size) instances of a batch run at once;
     * the brake holds once more than {@code brakeRatio} (default 0.2) of the group failed or fewer
     * than {@code onlineMinimum} (default 0) would be in traffic; {@code bastion} (default true)
     * smokes and bakes the first instance before the roll. {@code tenantId}: an operator names the
     * tenant; a tenant's token names its own. {@code degradeSwitches}: the tenant's degrade switches
     * (by id or name) the release turns on for its duration and gives back when it ends.
     */
    public record CreateRelease(UUID tenantId, UUID groupId, UUID versionId, String strategy, Integer batchSize, Integer batchPercent,
                                Integer parallelism, Double brakeRatio, Double onlineMinimum, Boolean bastion,
                                UUID standbyGroupId, @Size(max = 200) String routeHeader, @Size(max = 1000) String routeValue,
                                GateViews.AnalysisRequest analysis, GateViews.CanaryRequest canary,
                                List<String> degradeSwitches, String ignitionTimeout) {
    }

    public record ApplicationView(UUID id, UUID tenantId, String name, Instant createdAt) {
        static ApplicationView of(Application a) {
            return new ApplicationView(a.id(), a.tenantId(), a.name(), a.createdAt());
        }
    }

    public record GroupView(UUID id, UUID applicationId, UUID tenantId, String name, ReleaseGroup.Kind kind, String provider,
                            String region, List<UUID> serverIds, UUID workloadId, String trafficTarget, UUID currentVersionId,
                            Instant createdAt) {
        static GroupView of(ReleaseGroup g, List<UUID> servers) {
            return new GroupView(g.id(), g.applicationId(), g.tenantId(), g.name(), g.kind(), g.provider(), g.region(), servers,
                    g.workloadId(), g.trafficTarget(), g.currentVersionId(), g.createdAt());
        }
    }

    public record VersionView(UUID id, UUID applicationId, String name, String packageUrl, String sha256, String image,
                              Instant createdAt) {
        static VersionView of(ApplicationVersion v) {
            return new VersionView(v.id(), v.applicationId(), v.name(), v.packageUrl(), v.sha256(), v.image(), v.createdAt());
        }
    }

    /** One instance of a release: where it is, the step it runs (null when none), why it failed. */
    public record InstanceView(String instance, UUID serverId, String providerInstanceId, int batch, String state, String step,
                               String failure, Instant updatedAt) {
    }

    /**
     * A release with every instance. {@code trafficControl} is null when the release pulls
     * instances out of and into traffic, else why it does not ("no traffic control on this provider").
     * {@code standbyGroupId}, {@code routeHeader}, {@code routeValue}: of a two-group release (else
     * null); its instances' {@code batch} is 0 for the live group and 1 for the standby group.
     * {@code analysis} (its checks and runs) and {@code canary} (its steps and gate) are null when it has none.
     */
    public record ReleaseView(UUID id, UUID tenantId, UUID applicationId, UUID groupId, UUID versionId, UUID previousVersionId,
                              String strategy, int batchSize, int parallelism, BigDecimal brakeRatio, BigDecimal onlineMinimum,
                              boolean bastion, String state, String reason, String trafficControl, int failed, int inTraffic,
                              List<InstanceView> instances, List<HeldSwitch> degradeSwitches, long version, Instant createdAt,
                              Instant updatedAt, Instant finishedAt, UUID standbyGroupId, String routeHeader, String routeValue,
                              GateViews.AnalysisView analysis, GateViews.CanaryView canary, String ignitionTimeout) {
    }

    /**
     * A degrade switch the release named: its state now, and the release's hold on it — HELD while
     * the release runs, RESTORED once the release gave it back, OVERRIDDEN when a person turned it
     * by hand meanwhile (the release then leaves it as they set it).
     */
    public record HeldSwitch(UUID id, String name, String dependency, String state, String hold, Instant takenAt, Instant endedAt) {
    }

    /** One transition: of the release when {@code instance} is null, else of that instance. */
    public record EventView(long seq, UUID releaseId, String instance, String from, String to, String reason, String actor,
                            Instant occurredAt) {
    }
}
